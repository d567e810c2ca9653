//! Marks the PostgreSQL tests as ignored when `SPECTOR_SKIP_POSTGRES=1`, so
//! that the test summary reports them as skipped instead of passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(spector_skip_postgres)");
    println!("cargo::rerun-if-env-changed=SPECTOR_SKIP_POSTGRES");
    if std::env::var("SPECTOR_SKIP_POSTGRES").is_ok_and(|value| value == "1") {
        println!("cargo::rustc-cfg=spector_skip_postgres");
    }
}
