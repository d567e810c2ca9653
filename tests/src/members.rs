//! Record types with a materialized table: [`Member`] (every column kind,
//! a `prepare_materialization` hook) and [`Badge`] (its id field called
//! `uuid`), two types of one log, [`ClubEvents`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Row, Uuid};

/// A member's profile, stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Where the member lives.
    pub city: String,
    /// Their languages.
    pub languages: Vec<String>,
}

/// The payload of `insert` and `update`: every field of a member.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFields {
    /// The name.
    pub name: String,
    /// The e-mail address, if given.
    #[serde(default)]
    pub email: Option<String>,
    /// The age.
    #[serde(default)]
    pub age: i32,
    /// A score.
    #[serde(default)]
    pub score: f64,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The profile, if any.
    #[serde(default)]
    pub profile: Option<Profile>,
    /// Refused by `prepare_materialization` when true.
    #[serde(default)]
    pub unlisted: bool,
}

/// The payload of `import`: a legacy row with its original join time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Imported {
    /// The name.
    pub name: String,
    /// When the member joined, as the legacy row says.
    pub joined: DateTime<Utc>,
}

/// A club member, kept in the table `members` as well as in its log.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = ClubEvents,
    table = "members",
    actions(insert = MemberFields, update = MemberFields, archive, import = Imported)
)]
pub struct Member {
    /// The record id.
    pub id: Id<Member>,
    /// The name.
    pub name: String,
    /// The e-mail address.
    pub email: Option<String>,
    /// The age.
    pub age: i32,
    /// A score.
    pub score: f64,
    /// False once archived.
    pub active: bool,
    /// When the member joined.
    pub joined: DateTime<Utc>,
    /// When the member was last changed, if ever.
    pub changed: Option<DateTime<Utc>>,
    /// Tags, as JSON.
    #[evented(json)]
    pub tags: Vec<String>,
    /// The profile, as JSON (`NULL` when none).
    #[evented(json)]
    pub profile: Option<Profile>,
    /// Whether `prepare_materialization` refuses the row.
    #[evented(skip)]
    pub unlisted: bool,
}

impl Member {
    fn apply(&mut self, fields: MemberFields) {
        self.name = fields.name;
        self.email = fields.email;
        self.age = fields.age;
        self.score = fields.score;
        self.tags = fields.tags;
        self.profile = fields.profile;
        self.unlisted = fields.unlisted;
    }
}

impl Changeset for Member {
    fn changeset(mut self, action: MemberAction, meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            MemberAction::Insert(fields) => {
                self.apply(fields);
                self.active = true;
                self.joined = meta.inserted_at;
            }
            MemberAction::Update(fields) => {
                self.apply(fields);
                self.changed = Some(meta.inserted_at);
            }
            MemberAction::Archive(_) => {
                self.active = false;
                self.changed = Some(meta.inserted_at);
            }
            MemberAction::Import(imported) => {
                self.name = imported.name;
                self.active = true;
                self.joined = imported.joined;
            }
        }
        Ok(self)
    }

    /// The row's name is upper-cased (the state keeps it as given); an
    /// unlisted member is refused.
    fn prepare_materialization(&self, row: &mut Row) -> Result<(), Invalid> {
        if self.unlisted {
            return Err(Invalid::new("unlisted", "unlisted members have no row"));
        }
        row.set("name", self.name.to_uppercase())
    }
}

/// A badge a member earned: a second record type of the club's log, its id
/// field called `uuid`, without a table.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = ClubEvents, id = uuid, actions(insert = Titled, update = Titled))]
pub struct Badge {
    /// The record id.
    pub uuid: Uuid,
    /// The badge's title.
    pub title: String,
}

/// The payload of a badge's actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Titled {
    /// The title.
    pub title: String,
}

impl Changeset for Badge {
    fn changeset(mut self, action: BadgeAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (BadgeAction::Insert(titled) | BadgeAction::Update(titled)) = action;
        self.title = titled.title;
        Ok(self)
    }
}

event_log!(pub ClubEvents { table: "club_events", schemas: [Member, Badge] });

/// The payload of a stamp's actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// The label.
    pub label: String,
}

/// A stamp, materialized in `stamps`, in the hashed log [`StampEvents`].
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = StampEvents, table = "stamps", actions(insert = Label, update = Label))]
pub struct Stamp {
    /// The record id.
    pub id: Id<Stamp>,
    /// The label.
    pub label: String,
}

impl Changeset for Stamp {
    fn changeset(mut self, action: StampAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (StampAction::Insert(label) | StampAction::Update(label)) = action;
        self.label = label.label;
        Ok(self)
    }
}

event_log!(pub StampEvents { table: "stamp_events", schemas: [Stamp], hashed: true });
