//! Data subjects' requests (GDPR art. 15 to 17), answered by the organisation's DPO: find every
//! record of the organisation that names a person (by name, and date of birth where recorded),
//! export what those records hold about that person and nobody else (right of access), and answer
//! an erasure request with the records it would touch and, where a legal action is open, the
//! refusal (art. 17(3)(e)). Rectification goes through the records' usual updates.
//!
//! A person is named where a record states them: a suspect, offender, witness, victim (a staff
//! member), representative, statement's speaker, banned person or tenant. Free-text narratives are
//! not searched and never exported: they may name other people, so the DPO reads them before
//! answering (the export says which records have one).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use validator::Validate;
use vigie_domain::journal::Purpose;
use vigie_domain::{OrgKind, Role};
use vigie_store::DbConn;
use vigie_store::data_subjects as repo;

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::retention::RecordRetention;

/// Who the request is about.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Jean Dupont", "birth_date": "1990-04-12"}))]
pub struct Subject {
    /// The person's name as they give it; matched whatever the order, case and accents of its
    /// words (every word must appear).
    #[validate(length(min = 2, max = 200))]
    #[schema(min_length = 2, max_length = 200)]
    pub name: String,
    /// Where a record states a date of birth, it must be this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
}

/// Where a record names the person, and what it states there.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"field": "persons[0]", "data": {"kind": "identified", "name": "Jean Dupont"}}))]
pub struct Mention {
    /// The path of the entry in the record (`persons[0]`, `content.witnesses[1]`...).
    pub field: String,
    /// The entry as recorded: only this person's data.
    #[schema(value_type = Object)]
    pub data: Value,
}

/// A record naming the person.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"record_type": "incident", "record_id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e",
    "mentions": [{"field": "persons[0]", "data": {"kind": "identified", "name": "Jean Dupont"}}],
    "facts": {"category": "dumping", "occurred_at": "2026-11-20T21:40:00.000000Z", "status": "reported"},
    "narrative_withheld": true,
    "retention": {"basis": "prescription_of_action", "ends_on": "2027-11-20", "legal_hold": false}}))]
pub struct SubjectRecord {
    /// `incident`, `complaint`, `pv`, `ban` or `injunction`.
    pub record_type: String,
    pub record_id: String,
    pub mentions: Vec<Mention>,
    /// What the record is, without anyone's personal data (kind, dates, status).
    #[schema(value_type = Object)]
    pub facts: Value,
    /// The record has a free-text narrative or facts, not exported (it may name other people):
    /// the DPO reads it before answering.
    pub narrative_withheld: bool,
    /// How long the record is kept, and why.
    pub retention: RecordRetention,
}

/// The records of the organisation that name the person (the search and the access export).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectRecords {
    pub subject: Subject,
    /// The organisation whose records these are.
    pub org_id: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub generated_at: DateTime<Utc>,
    #[schema(max_items = 5000)]
    pub records: Vec<SubjectRecord>,
    /// More records matched the coarse search than were read (1 000 per kind): narrow the name.
    pub truncated: bool,
}

/// What an erasure request would do to one record.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErasureDecision {
    /// No legal action is under way: the person's entries may be removed (by the record's usual
    /// update).
    Erase,
    /// Refused: the data are needed for a legal claim, or the record is another authority's.
    Refuse,
    /// Already anonymised: nothing names the person any more.
    NothingLeft,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"record_type": "complaint", "record_id": "01936f90-0000-7000-8000-000000000001",
    "fields": ["content.suspects[0]"], "decision": "refuse", "legal_basis": "GDPR art. 17(3)(e)",
    "reason": "a legal action is under way (proceedings_open): the data are needed to establish, exercise or defend legal claims"}))]
pub struct ErasureItem {
    pub record_type: String,
    pub record_id: String,
    /// Where the record names the person.
    pub fields: Vec<String>,
    pub decision: ErasureDecision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureAnswer {
    pub subject: Subject,
    pub org_id: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub generated_at: DateTime<Utc>,
    #[schema(max_items = 5000)]
    pub records: Vec<ErasureItem>,
    pub truncated: bool,
}

/// Lower case, accents and punctuation removed, split in words.
fn words(s: &str) -> Vec<String> {
    let folded: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'û' | 'ü' | 'ú' | 'ù' => 'u',
            'ÿ' => 'y',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().map(str::to_owned).collect()
}

/// Every word of the subject's name is a word of `candidate`.
fn names(candidate: &str, subject: &[String]) -> bool {
    let w = words(candidate);
    !subject.is_empty() && subject.iter().all(|s| w.contains(s))
}

/// The keys under which a record states a person's name.
const NAME_KEYS: [&str; 3] = ["name", "representative", "by"];

struct Matcher {
    words: Vec<String>,
    birth_date: Option<NaiveDate>,
    staff_ids: Vec<String>,
}

impl Matcher {
    /// The entries of `v` (a record's JSON) that name the subject, with their paths.
    fn walk(&self, v: &Value, path: &str, out: &mut Vec<Mention>) {
        match v {
            Value::Object(map) => {
                let named = NAME_KEYS.iter().any(|k| {
                    map.get(*k)
                        .and_then(Value::as_str)
                        .is_some_and(|n| names(n, &self.words))
                });
                let staff = map
                    .get("staff_id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| self.staff_ids.iter().any(|s| s == id));
                let born_otherwise = match (self.birth_date, map.get("birth_date")) {
                    (Some(b), Some(Value::String(d))) => d.parse::<NaiveDate>().ok() != Some(b),
                    _ => false,
                };
                if (named || staff) && !born_otherwise {
                    out.push(Mention {
                        field: path.to_owned(),
                        data: v.clone(),
                    });
                    return;
                }
                for (k, child) in map {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    self.walk(child, &p, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    self.walk(child, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }

    fn mentions(&self, parts: &[(&str, &str)]) -> Vec<Mention> {
        let mut out = vec![];
        for (path, text) in parts {
            if let Ok(v) = serde_json::from_str::<Value>(text) {
                self.walk(&v, path, &mut out);
            }
        }
        out
    }
}

/// Only a bailleur's DPO answers its organisation's data subjects.
fn dpo(caller: &Caller) -> AppResult<()> {
    if caller.org_kind == OrgKind::Bailleur && caller.has(Role::Dpo) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "data subjects' requests are answered by the organisation's data protection officer",
        ))
    }
}

fn ts(at: chrono::NaiveDateTime) -> Value {
    Value::String(vigie_domain::timestamp::format(&at.and_utc()))
}

/// Every record of the caller's organisation that names the subject.
fn find(conn: &mut DbConn, org: &str, subject: &Subject) -> AppResult<(Vec<SubjectRecord>, bool)> {
    let words = words(&subject.name);
    let Some(needle) = words.iter().max_by_key(|w| w.chars().count()).cloned() else {
        return Err(AppError::invalid_field(
            "name",
            "invalid_format",
            "a name has at least one letter or digit",
        ));
    };
    // The coarse filter runs on the longest word without accents folded in SQL: search with the
    // word as written too, so an accented name is found on both backends.
    let raw_needle = subject
        .name
        .split_whitespace()
        .max_by_key(|w| w.chars().count())
        .unwrap_or(&needle)
        .to_lowercase();
    let staff_ids: Vec<String> = {
        let mut rows = repo::staff(conn, org, &needle)?;
        rows.extend(repo::staff(conn, org, &raw_needle)?);
        rows.into_iter()
            .filter(|s| names(&format!("{} {}", s.first_name, s.last_name), &words))
            .map(|s| s.id)
            .collect()
    };
    let m = Matcher {
        words,
        birth_date: subject.birth_date,
        staff_ids,
    };
    let mut needles = vec![needle];
    if !needles.contains(&raw_needle) {
        needles.push(raw_needle);
    }
    needles.extend(m.staff_ids.iter().cloned());
    let mut found = Found::default();
    for n in &needles {
        found.add(
            "incident",
            repo::incidents(conn, org, n)?,
            |r| r.id.clone(),
            |r| {
                m.mentions(&[
                    ("victims", &r.victims),
                    ("persons", &r.persons),
                    ("witnesses", &r.witnesses),
                ])
            },
            |r| {
                let facts = serde_json::json!({"category": r.category, "occurred_at": ts(r.occurred_at),
                    "status": r.status, "residence_id": r.residence_id});
                let retention = crate::retention::of_incident(conn, r)?;
                Ok((facts, !r.narrative.is_empty(), retention))
            },
        )?;
        found.add(
            "complaint",
            repo::complaints(conn, org, n)?,
            |r| r.id.clone(),
            |r| m.mentions(&[("content", &r.content)]),
            |r| {
                let facts = serde_json::json!({"status": r.status, "channel": r.channel,
                    "orientation": r.orientation, "filed_at": r.filed_at.map(ts)});
                Ok((facts, true, crate::retention::of_complaint(conn, r)?))
            },
        )?;
        found.add(
            "pv",
            repo::pvs(conn, org, n)?,
            |r| r.id.clone(),
            |r| m.mentions(&[("document", &r.content)]),
            |r| {
                let facts = serde_json::json!({"number": r.number, "revision": r.revision,
                    "status": r.status, "found_on": r.found_on});
                Ok((facts, true, crate::retention::of_pv(conn, r)?))
            },
        )?;
        found.add(
            "ban",
            repo::bans(conn, org, n)?,
            |r| r.id.clone(),
            |r| m.mentions(&[("content", &r.content)]),
            |r| {
                let facts = serde_json::json!({"residence_id": r.residence_id,
                    "start_on": r.start_on, "end_on": r.end_on});
                Ok((facts, true, crate::retention::of_ban(conn, r)?))
            },
        )?;
        found.add(
            "injunction",
            repo::injunctions(conn, org, n)?,
            |r| r.id.clone(),
            |r| m.mentions(&[("content", &r.content)]),
            |r| {
                let facts = serde_json::json!({"status": r.status, "residence_id": r.residence_id});
                Ok((facts, true, crate::retention::of_injunction(conn, r)?))
            },
        )?;
    }
    let mut out = found.records;
    out.sort_by(|a, b| (&a.record_type, &a.record_id).cmp(&(&b.record_type, &b.record_id)));
    Ok((out, found.truncated))
}

/// The records found so far, each once whichever word of the name found it.
#[derive(Default)]
struct Found {
    records: Vec<SubjectRecord>,
    seen: std::collections::HashSet<(&'static str, String)>,
    truncated: bool,
}

impl Found {
    /// Adds the rows of one kind that name the subject: `mentions` finds the entries, `describe`
    /// gives what the record is (facts, whether a narrative is withheld, its retention).
    fn add<R>(
        &mut self,
        kind: &'static str,
        rows: Vec<R>,
        id: impl Fn(&R) -> String,
        mentions: impl Fn(&R) -> Vec<Mention>,
        mut describe: impl FnMut(&R) -> AppResult<(Value, bool, RecordRetention)>,
    ) -> AppResult<()> {
        self.truncated |= rows.len() >= repo::MAX_ROWS as usize;
        for r in rows {
            let record_id = id(&r);
            if !self.seen.insert((kind, record_id.clone())) {
                continue;
            }
            let mentions = mentions(&r);
            if mentions.is_empty() {
                continue;
            }
            let (facts, narrative_withheld, retention) = describe(&r)?;
            self.records.push(SubjectRecord {
                record_type: kind.into(),
                record_id,
                mentions,
                facts,
                narrative_withheld,
                retention,
            });
        }
        Ok(())
    }
}

/// Journals the records returned, by kind, for a data subject's request (all of them the DPO's
/// organisation's).
async fn journal(app: &App, caller: &Caller, records: &[SubjectRecord]) -> AppResult<()> {
    for kind in ["incident", "complaint", "pv", "ban", "injunction"] {
        let read: Vec<(String, String)> = records
            .iter()
            .filter(|r| r.record_type == kind)
            .map(|r| (r.record_id.clone(), caller.org_id.clone()))
            .collect();
        crate::access_journal::record(app, caller, Purpose::DataSubjectRequest, kind, read).await?;
    }
    Ok(())
}

/// Find the records naming a person, with what each states about them (right of access, art. 15:
/// the answer is the export, one JSON document with nobody else's data).
pub async fn access(app: &App, caller: Caller, subject: Subject) -> AppResult<SubjectRecords> {
    dpo(&caller)?;
    let org = caller.org_id.clone();
    let s = subject.clone();
    let (records, truncated) = app.db(move |conn| find(conn, &org, &s)).await?;
    journal(app, &caller, &records).await?;
    Ok(SubjectRecords {
        subject,
        org_id: caller.org_id,
        generated_at: Utc::now(),
        records,
        truncated,
    })
}

/// What an erasure request would touch, and each record's answer.
pub async fn erasure(app: &App, caller: Caller, subject: Subject) -> AppResult<ErasureAnswer> {
    dpo(&caller)?;
    let org = caller.org_id.clone();
    let s = subject.clone();
    let (records, truncated) = app.db(move |conn| find(conn, &org, &s)).await?;
    journal(app, &caller, &records).await?;
    let records = records
        .into_iter()
        .map(|r| {
            let fields = r.mentions.iter().map(|m| m.field.clone()).collect();
            let measure = matches!(r.record_type.as_str(), "ban" | "injunction");
            let ret = &r.retention;
            let (decision, legal_basis, reason) = match () {
                _ if ret.anonymised_at.is_some() => {
                    (ErasureDecision::NothingLeft, None, None)
                }
                _ if measure => (
                    ErasureDecision::Refuse,
                    Some("GDPR art. 17(3)(b) and (e)".to_owned()),
                    Some(format!(
                        "a measure of the préfet ({}): the préfecture, which decided it under the law, answers for it",
                        r.record_type
                    )),
                ),
                _ if ret.basis.legal_action_open() => (
                    ErasureDecision::Refuse,
                    Some("GDPR art. 17(3)(e)".to_owned()),
                    Some(format!(
                        "a legal action is under way ({}): the data are needed to establish, exercise or defend legal claims",
                        ret.basis.as_str()
                    )),
                ),
                _ => (ErasureDecision::Erase, None, None),
            };
            ErasureItem {
                record_type: r.record_type,
                record_id: r.record_id,
                fields,
                decision,
                legal_basis,
                reason,
            }
        })
        .collect();
    Ok(ErasureAnswer {
        subject,
        org_id: caller.org_id,
        generated_at: Utc::now(),
        records,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_matches_whatever_the_order_case_and_accents() {
        let s = words("Jérôme  DUPONT-Lefèvre");
        assert_eq!(s, vec!["jerome", "dupont", "lefevre"]);
        assert!(names("Dupont-Lefèvre Jérôme", &s));
        assert!(names("M. JEROME DUPONT LEFEVRE", &s));
        assert!(!names("Jérôme Dupont", &s), "every word must appear");
        assert!(!names("anything", &[]));
    }

    #[test]
    fn only_the_subjects_entries_are_taken_and_a_birth_date_must_agree() {
        let m = Matcher {
            words: words("Jean Dupont"),
            birth_date: Some("1990-04-12".parse().unwrap()),
            staff_ids: vec!["s1".into()],
        };
        let content = serde_json::json!({
            "suspects": [{"kind": "identified", "name": "Jean Dupont"}, {"kind": "identified", "name": "Marie Curie"}],
            "witnesses": [{"name": "Paul", "contact": "06"}, {"staff_id": "s1"}],
            "person": {"name": "Dupont Jean", "birth_date": "1991-01-01"}
        })
        .to_string();
        let found = m.mentions(&[("content", &content)]);
        let fields: Vec<&str> = found.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["content.suspects[0]", "content.witnesses[1]"]);
        assert!(
            !serde_json::to_string(&found.iter().map(|f| &f.data).collect::<Vec<_>>())
                .unwrap()
                .contains("Marie")
        );
    }
}
