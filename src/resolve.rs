//! A dataset seen through one set of rules: which incidents can be rated, as what.
//!
//! Type texts and data lists are resolved once per distinct spelling (a dataset of a
//! million records has a few hundred), then each incident is checked against the
//! rules' impact levels and for an id already claimed by an accepted incident. The
//! rules-dependent rejections are merged with the dataset's own, in input order, so
//! the accounting of SCORING.md §6 holds under every set of rules.

use crate::FastMap as HashMap;

use crate::dataset::Dataset;
use crate::model::{
    Fault, Incident, PartialDate, Rejection, Status, resolve_classes, resolve_impact, resolve_type,
};
use crate::rules::{ClassId, Rules, TypeId};

/// One incident as a set of rules sees it: everything the engine needs to rate it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved<'a> {
    /// The incident as read.
    pub incident: &'a Incident,
    /// The type (the highest base among those named).
    pub type_id: TypeId,
    /// Bit `c` set when data class `c` was named.
    pub data_classes: u64,
    /// Severity, the rules' default when the record gave none.
    pub severity: f64,
    /// Impact level, the rules' default when the record gave none.
    pub impact: u8,
    /// Status (a what-if may change it).
    pub status: Status,
}

impl Resolved<'_> {
    /// `disclosed` when given, else `date`.
    pub fn effective(&self) -> PartialDate {
        self.incident.effective()
    }

    /// The data classes named, in class order.
    pub fn classes(&self) -> impl Iterator<Item = ClassId> + '_ {
        (0..64u8).filter(move |c| self.data_classes & (1u64 << c) != 0)
    }
}

/// The incidents of a dataset that a set of rules can rate, and every rejection.
#[derive(Debug, Clone)]
pub struct Resolution<'a> {
    data: &'a Dataset,
    rules: &'a Rules,
    items: Vec<Resolved<'a>>,
    rejected: Vec<Rejection>,
}

impl<'a> Resolution<'a> {
    /// The dataset resolved.
    pub fn data(&self) -> &'a Dataset {
        self.data
    }
    /// The rules it was resolved under.
    pub fn rules(&self) -> &'a Rules {
        self.rules
    }
    /// Accepted incidents, in input order.
    pub fn items(&self) -> &[Resolved<'a>] {
        &self.items
    }
    /// Every rejected record (the dataset's and the rules'), in input order.
    pub fn rejected(&self) -> &[Rejection] {
        &self.rejected
    }

    /// The same resolution with the incidents whose ids are in `ids` removed (a
    /// what-if: "rate as if these never happened"). Unknown ids are returned.
    pub fn without(&self, ids: &[String]) -> (Resolution<'a>, Vec<String>) {
        let (items, missing) = self.edit(ids, |_| None);
        (
            Resolution {
                items,
                ..self.clone()
            },
            missing,
        )
    }

    /// The same resolution with the incidents whose ids are in `ids` marked disputed.
    pub fn as_disputed(&self, ids: &[String]) -> (Resolution<'a>, Vec<String>) {
        let (items, missing) = self.edit(ids, |mut r| {
            r.status = Status::Disputed;
            Some(r)
        });
        (
            Resolution {
                items,
                ..self.clone()
            },
            missing,
        )
    }

    fn edit(
        &self,
        ids: &[String],
        f: impl Fn(Resolved<'a>) -> Option<Resolved<'a>>,
    ) -> (Vec<Resolved<'a>>, Vec<String>) {
        let mut found = vec![false; ids.len()];
        let items = self
            .items
            .iter()
            .filter_map(|r| match ids.iter().position(|id| *id == r.incident.id) {
                Some(k) => {
                    if let Some(seen) = found.get_mut(k) {
                        *seen = true;
                    }
                    f(*r)
                }
                None => Some(*r),
            })
            .collect();
        let missing = ids
            .iter()
            .zip(found)
            .filter(|(_, f)| !f)
            .map(|(id, _)| id.clone())
            .collect();
        (items, missing)
    }
}

/// Resolves every incident of `data` under `rules`.
pub fn resolve<'a>(data: &'a Dataset, rules: &'a Rules) -> Resolution<'a> {
    let names = data.names();
    let kinds: Vec<_> = names
        .kinds()
        .iter()
        .map(|k| resolve_type(rules, k))
        .collect();
    let lists: Vec<_> = names
        .lists()
        .iter()
        .map(|l| resolve_classes(rules, l))
        .collect();

    let mut items = Vec::with_capacity(data.incidents().len());
    let mut late: Vec<Rejection> = Vec::new();
    // id → index into `items` of the incident that claimed it.
    let mut ids: HashMap<&'a str, usize> =
        HashMap::with_capacity_and_hasher(data.incidents().len(), Default::default());
    let file_name = |inc: &Incident| {
        data.files()
            .get(inc.file as usize)
            .cloned()
            .unwrap_or_default()
    };
    // Names are interned as incidents are read, so every index is in range; an
    // index that is not still ends as a rejection, never as a lost record.
    let lost = || {
        Fault::unreadable(
            "internal error: the record's names were not kept".into(),
            None,
        )
    };
    let check = |inc: &Incident| -> Result<(TypeId, u64, u8), Fault> {
        let type_id = kinds.get(inc.kind as usize).ok_or_else(lost)?.clone()?;
        let classes = lists.get(inc.data as usize).ok_or_else(lost)?.clone()?;
        Ok((type_id, classes, resolve_impact(rules, inc.impact)?))
    };
    for inc in data.incidents() {
        let (type_id, data_classes, impact) = match check(inc) {
            Ok(v) => v,
            Err(f) => {
                late.push(f.into_rejection(
                    Some(inc.id.clone()),
                    file_name(inc),
                    inc.line,
                    inc.seq,
                ));
                continue;
            }
        };
        if let Some(&first) = ids.get(inc.id.as_str()) {
            let f: &Incident = items.get(first).map_or(inc, |r: &Resolved<'_>| r.incident);
            late.push(Rejection {
                file: file_name(inc),
                line: inc.line,
                id: Some(inc.id.clone()),
                field: Some("id".into()),
                message: format!(
                    "duplicate id {:?}: already used by the record at {}:{}",
                    inc.id,
                    file_name(f),
                    f.line
                ),
                seq: inc.seq,
            });
            continue;
        }
        ids.insert(inc.id.as_str(), items.len());
        items.push(Resolved {
            incident: inc,
            type_id,
            data_classes,
            severity: inc.severity.unwrap_or(rules.severity.default),
            impact,
            status: inc.status,
        });
    }

    let rejected = merge_by_seq(data.rejected(), late);
    Resolution {
        data,
        rules,
        items,
        rejected,
    }
}

/// Merges two lists, each already in input order, into one in input order.
fn merge_by_seq(a: &[Rejection], b: Vec<Rejection>) -> Vec<Rejection> {
    if b.is_empty() {
        return a.to_vec();
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.iter().peekable();
    for r in b {
        while let Some(x) = a.next_if(|x| x.seq < r.seq) {
            out.push(x.clone());
        }
        out.push(r);
    }
    out.extend(a.cloned());
    out
}
