//! Two versions of one record type over one table: [`PageV0`] wrote
//! `title`; [`Page`] (version 1) calls it `name` and upcasts old events.

use serde::{Deserialize, Serialize};
use spector::{event_log, Attrs, Changeset, EventMeta, Evented, Id, Invalid};

/// The payload version 0 stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Titled {
    /// The page's title.
    pub title: String,
}

/// The payload of version 1: `title` renamed `name`, and a word count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    /// The page's name.
    pub name: String,
    /// How many words the page has.
    pub words: u32,
}

/// A page as version 0 of the code knew it.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = PagesV0, actions(insert = Titled, update = Titled))]
pub struct PageV0 {
    /// The record id.
    pub id: Id<PageV0>,
    /// The title.
    pub title: String,
}

impl Changeset for PageV0 {
    fn changeset(mut self, action: PageV0Action, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (PageV0Action::Insert(titled) | PageV0Action::Update(titled)) = action;
        self.title = titled.title;
        Ok(self)
    }
}

event_log!(pub PagesV0 { table: "pages_events", schemas: [PageV0] });

/// A page today (version 1): old events are upcast from [`Titled`].
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = Pages, version = 1, actions(insert = Named, update = Named))]
pub struct Page {
    /// The record id.
    pub id: Id<Page>,
    /// The name.
    pub name: String,
    /// The word count (0 for pages written by version 0).
    pub words: u32,
    /// The versions of the events applied, oldest first.
    pub versions: Vec<u32>,
}

impl Changeset for Page {
    fn upcast(action: &str, version: u32, mut payload: Attrs) -> Result<Attrs, Invalid> {
        if version != 0 || !matches!(action, "insert" | "update") {
            return Err(Invalid::new(
                "__version__",
                format!("no upcast from {version}"),
            ));
        }
        let title = payload
            .remove("title")
            .ok_or_else(|| Invalid::new("title", "can't be blank"))?;
        payload.insert("name", title);
        payload.insert("words", 0);
        Ok(payload)
    }

    fn changeset(mut self, action: PageAction, meta: &EventMeta) -> Result<Self, Invalid> {
        let (PageAction::Insert(named) | PageAction::Update(named)) = action;
        self.name = named.name;
        self.words = named.words;
        self.versions.push(meta.version);
        Ok(self)
    }
}

event_log!(pub Pages { table: "pages_events", schemas: [Page] });

/// The payload of a page that cites others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citing {
    /// The title.
    pub title: String,
    /// The events of the page it cites.
    #[serde(default)]
    pub cites: Vec<spector::Uuid>,
}

/// A page as a later release declares it: the same table, and a `cites`
/// link that the first releases did not have (its table added later).
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = CitingPages, actions(insert = Citing, update = Citing), links(cites = "cited_id"))]
pub struct CitingPage {
    /// The record id.
    pub id: Id<CitingPage>,
    /// The title.
    pub title: String,
}

impl Changeset for CitingPage {
    fn changeset(mut self, action: CitingPageAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (CitingPageAction::Insert(citing) | CitingPageAction::Update(citing)) = action;
        self.title = citing.title;
        Ok(self)
    }

    fn prepare_event(
        event: &mut spector::NewEvent<Self>,
        _history: &[spector::Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        let (CitingPageAction::Insert(citing) | CitingPageAction::Update(citing)) = event.action();
        for cited in citing.cites.clone() {
            event.link(CitingPageLink::Cites, cited);
        }
        Ok(())
    }
}

event_log!(pub CitingPages { table: "pages_events", schemas: [CitingPage] });
