//! Executes Logs operations against the store and shapes their JSON results.

use std::sync::atomic::{AtomicU64, Ordering};

use cloudlet_core::traits::LogEvent;
use cloudlet_core::{AccountId, Region};
use cloudlet_store::Store;
use serde_json::{Value, json};

use crate::error::LogsError;
use crate::filter::Pattern;
use crate::protocol::{self as p, Op};
use crate::state::{self, EVENTS, GROUPS, STREAMS, StreamRec};

/// Events older than this are refused by PutLogEvents (14 days), newer than now + 2 h too.
const TOO_OLD_MS: i64 = 14 * 24 * 3600 * 1000;
const TOO_NEW_MS: i64 = 2 * 3600 * 1000;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What operations share: the store and the ingestion sequence.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub seq: &'a AtomicU64,
    pub account: &'a AccountId,
    pub region: &'a Region,
}

impl Ctx<'_> {
    fn scope(&self) -> Vec<u8> {
        state::scope(self.account, self.region)
    }
    fn group_arn(&self, group: &str) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{group}",
            self.region, self.account
        )
    }
}

fn token(pos: u128, forward: bool) -> String {
    format!("{}/{:056}", if forward { 'f' } else { 'b' }, pos)
}

fn parse_token(t: &str) -> Result<(bool, u128), LogsError> {
    let bad = || LogsError::InvalidParameter("The specified nextToken is invalid.".into());
    let (dir, n) = t.split_once('/').ok_or_else(bad)?;
    let pos: u128 = n.parse().map_err(|_| bad())?;
    match dir {
        "f" => Ok((true, pos)),
        "b" => Ok((false, pos)),
        _ => Err(bad()),
    }
}

pub async fn execute(cx: &Ctx<'_>, op: Op) -> Result<Value, LogsError> {
    match op {
        Op::CreateLogGroup(i) => {
            create_group(
                cx,
                p::group_name(p::required(&i.log_group_name, "logGroupName")?)?,
            )
            .await
        }
        Op::DeleteLogGroup(i) => {
            delete_group(
                cx,
                p::group_name(p::required(&i.log_group_name, "logGroupName")?)?,
            )
            .await
        }
        Op::DescribeLogGroups(i) => describe_groups(cx, i),
        Op::CreateLogStream(i) => {
            let g = p::group_name(p::required(&i.log_group_name, "logGroupName")?)?;
            let s = p::stream_name(p::required(&i.log_stream_name, "logStreamName")?)?;
            create_stream(cx, g, s).await
        }
        Op::DeleteLogStream(i) => {
            let g = p::group_name(p::required(&i.log_group_name, "logGroupName")?)?;
            let s = p::stream_name(p::required(&i.log_stream_name, "logStreamName")?)?;
            delete_stream(cx, g, s).await
        }
        Op::DescribeLogStreams(i) => describe_streams(cx, i),
        Op::PutLogEvents(i) => put_events(cx, i).await,
        Op::GetLogEvents(i) => get_events(cx, i),
        Op::FilterLogEvents(i) => filter_events(cx, i),
        Op::PutRetentionPolicy(i) => {
            let g = p::group_name(p::required(&i.log_group_name, "logGroupName")?)?.to_string();
            let days = i
                .retention_in_days
                .ok_or_else(|| LogsError::missing("retentionInDays"))?;
            const ALLOWED: [i64; 22] = [
                1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                2557, 2922, 3288, 3653,
            ];
            if !ALLOWED.contains(&days) {
                return Err(LogsError::validation(
                    &days.to_string(),
                    "retentionInDays",
                    "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
                ));
            }
            set_retention(cx, g, Some(days)).await
        }
        Op::DeleteRetentionPolicy(i) => {
            let g = p::group_name(p::required(&i.log_group_name, "logGroupName")?)?.to_string();
            set_retention(cx, g, None).await
        }
    }
}

async fn create_group(cx: &Ctx<'_>, group: &str) -> Result<Value, LogsError> {
    let key = state::group_key(&cx.scope(), group);
    let now = now_ms();
    cx.store
        .write(move |txn| {
            if state::write_group(txn, &key)?.is_some() {
                return Err(LogsError::GroupExists);
            }
            state::put_group(
                txn,
                &key,
                &state::GroupRec {
                    creation_time: now,
                    retention_days: None,
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(json!({}))
}

async fn set_retention(cx: &Ctx<'_>, group: String, days: Option<i64>) -> Result<Value, LogsError> {
    let key = state::group_key(&cx.scope(), &group);
    cx.store
        .write(move |txn| {
            let mut g = state::write_group(txn, &key)?.ok_or(LogsError::GroupNotFound)?;
            g.retention_days = days;
            state::put_group(txn, &key, &g)?;
            Ok::<_, LogsError>(())
        })
        .await?;
    Ok(json!({}))
}

async fn delete_group(cx: &Ctx<'_>, group: &str) -> Result<Value, LogsError> {
    let scope = cx.scope();
    let key = state::group_key(&scope, group);
    let prefix = state::group_prefix(&scope, group);
    cx.store
        .write(move |txn| {
            if state::write_group(txn, &key)?.is_none() {
                return Err(LogsError::GroupNotFound);
            }
            state::delete_key(txn, GROUPS, &key)?;
            state::delete_prefixed(txn, STREAMS, &prefix)?;
            state::delete_prefixed(txn, EVENTS, &prefix)?;
            Ok(())
        })
        .await?;
    Ok(json!({}))
}

fn describe_groups(cx: &Ctx<'_>, i: p::DescribeGroupsInput) -> Result<Value, LogsError> {
    let limit = p::limit(i.limit, 50, 50)?;
    let scope = cx.scope();
    let groups = cx.store.read(|txn| {
        state::list_groups(
            txn,
            &scope,
            i.log_group_name_prefix.as_deref().unwrap_or(""),
        )
    })?;
    let after = i.next_token.unwrap_or_default();
    let mut page: Vec<Value> = Vec::new();
    let mut next = None;
    for (name, g) in groups
        .into_iter()
        .filter(|(n, _)| after.is_empty() || *n > after)
    {
        if page.len() == limit {
            next = page
                .last()
                .and_then(|v: &Value| v["logGroupName"].as_str().map(str::to_string));
            break;
        }
        let arn = cx.group_arn(&name);
        let mut v = json!({
            "logGroupName": name,
            "creationTime": g.creation_time,
            "metricFilterCount": 0,
            "arn": format!("{arn}:*"),
            "storedBytes": 0,
            "logGroupClass": "STANDARD",
            "logGroupArn": arn,
        });
        if let Some(d) = g.retention_days {
            v["retentionInDays"] = d.into();
        }
        page.push(v);
    }
    let mut out = json!({ "logGroups": page });
    if let Some(n) = next {
        out["nextToken"] = n.into();
    }
    Ok(out)
}

fn require_group(cx: &Ctx<'_>, group: &str) -> Result<(), LogsError> {
    let key = state::group_key(&cx.scope(), group);
    match cx.store.read(|txn| state::get_group(txn, &key))? {
        Some(_) => Ok(()),
        None => Err(LogsError::GroupNotFound),
    }
}

async fn create_stream(cx: &Ctx<'_>, group: &str, stream: &str) -> Result<Value, LogsError> {
    let scope = cx.scope();
    let gkey = state::group_key(&scope, group);
    let skey = state::stream_key(&scope, group, stream);
    let now = now_ms();
    cx.store
        .write(move |txn| {
            if state::write_group(txn, &gkey)?.is_none() {
                return Err(LogsError::GroupNotFound);
            }
            if state::write_stream(txn, &skey)?.is_some() {
                return Err(LogsError::StreamExists);
            }
            state::put_stream(
                txn,
                &skey,
                &StreamRec {
                    creation_time: now,
                    ..StreamRec::default()
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(json!({}))
}

async fn delete_stream(cx: &Ctx<'_>, group: &str, stream: &str) -> Result<Value, LogsError> {
    let scope = cx.scope();
    let gkey = state::group_key(&scope, group);
    let skey = state::stream_key(&scope, group, stream);
    let prefix = state::events_prefix(&scope, group, stream);
    cx.store
        .write(move |txn| {
            if state::write_group(txn, &gkey)?.is_none() {
                return Err(LogsError::GroupNotFound);
            }
            if state::write_stream(txn, &skey)?.is_none() {
                return Err(LogsError::StreamNotFound);
            }
            state::delete_key(txn, STREAMS, &skey)?;
            state::delete_prefixed(txn, EVENTS, &prefix)?;
            Ok(())
        })
        .await?;
    Ok(json!({}))
}

fn stream_json(cx: &Ctx<'_>, group: &str, name: &str, s: &StreamRec) -> Value {
    let mut v = json!({
        "logStreamName": name,
        "creationTime": s.creation_time,
        "arn": format!("{}:log-stream:{name}", cx.group_arn(group)),
        "storedBytes": 0,
    });
    if let (Some(f), Some(l), Some(i)) = (s.first_event, s.last_event, s.last_ingestion) {
        v["firstEventTimestamp"] = f.into();
        v["lastEventTimestamp"] = l.into();
        v["lastIngestionTime"] = i.into();
        v["uploadSequenceToken"] = format!("{:056}", s.puts).into();
    }
    v
}

fn describe_streams(cx: &Ctx<'_>, i: p::DescribeStreamsInput) -> Result<Value, LogsError> {
    let group = p::group_of(&i.log_group_name, &i.log_group_identifier)?;
    let limit = p::limit(i.limit, 50, 50)?;
    let by_time = match i.order_by.as_deref() {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") => true,
        Some(other) => {
            return Err(LogsError::validation(
                other,
                "orderBy",
                "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
            ));
        }
    };
    if by_time && i.log_stream_name_prefix.is_some() {
        return Err(LogsError::InvalidParameter(
            "Cannot order by LastEventTime with a logStreamNamePrefix.".into(),
        ));
    }
    require_group(cx, group)?;
    let prefix = state::group_prefix(&cx.scope(), group);
    let mut streams = cx.store.read(|txn| {
        state::list_streams(
            txn,
            &prefix,
            i.log_stream_name_prefix.as_deref().unwrap_or(""),
        )
    })?;
    if by_time {
        streams.sort_by(|a, b| {
            (a.1.last_event.unwrap_or(a.1.creation_time), &a.0)
                .cmp(&(b.1.last_event.unwrap_or(b.1.creation_time), &b.0))
        });
    }
    if i.descending.unwrap_or(false) {
        streams.reverse();
    }
    let start: usize = match i.next_token.as_deref() {
        None => 0,
        Some(t) => t.parse().map_err(|_| {
            LogsError::InvalidParameter("The specified nextToken is invalid.".into())
        })?,
    };
    let page: Vec<Value> = streams
        .iter()
        .skip(start)
        .take(limit)
        .map(|(n, s)| stream_json(cx, group, n, s))
        .collect();
    let mut out = json!({ "logStreams": page });
    if start + limit < streams.len() {
        out["nextToken"] = (start + limit).to_string().into();
    }
    Ok(out)
}

/// Appends already-validated events (`(timestamp, message)` in order), creating the group
/// and stream when `create` is set. Returns the stream's upload count.
pub async fn append(
    cx: &Ctx<'_>,
    group: &str,
    stream: &str,
    events: Vec<(i64, String)>,
    create: bool,
) -> Result<u64, LogsError> {
    let scope = cx.scope();
    let gkey = state::group_key(&scope, group);
    let skey = state::stream_key(&scope, group, stream);
    let prefix = state::events_prefix(&scope, group, stream);
    let now = now_ms();
    let positioned: Vec<(u128, state::EventRec)> = events
        .into_iter()
        .map(|(ts, message)| {
            let seq = cx.seq.fetch_add(1, Ordering::Relaxed);
            (
                state::position(ts, seq),
                state::EventRec {
                    message,
                    ingestion_time: now,
                },
            )
        })
        .collect();
    cx.store
        .write(move |txn| {
            if state::write_group(txn, &gkey)?.is_none() {
                if !create {
                    return Err(LogsError::GroupNotFound);
                }
                state::put_group(
                    txn,
                    &gkey,
                    &state::GroupRec {
                        creation_time: now,
                        retention_days: None,
                    },
                )?;
            }
            let mut s = match state::write_stream(txn, &skey)? {
                Some(s) => s,
                None if create => StreamRec {
                    creation_time: now,
                    ..StreamRec::default()
                },
                None => return Err(LogsError::StreamNotFound),
            };
            for (pos, rec) in &positioned {
                let ts = state::timestamp_of(*pos);
                s.first_event = Some(s.first_event.map_or(ts, |f| f.min(ts)));
                s.last_event = Some(s.last_event.map_or(ts, |l| l.max(ts)));
                s.stored_bytes += rec.message.len() as u64;
                state::put_event(txn, &prefix, *pos, rec)?;
            }
            s.last_ingestion = Some(now);
            s.puts += 1;
            state::put_stream(txn, &skey, &s)?;
            Ok(s.puts)
        })
        .await
}

async fn put_events(cx: &Ctx<'_>, i: p::PutEventsInput) -> Result<Value, LogsError> {
    let group = p::group_name(p::required(&i.log_group_name, "logGroupName")?)?;
    let stream = p::stream_name(p::required(&i.log_stream_name, "logStreamName")?)?;
    let events = i
        .log_events
        .ok_or_else(|| LogsError::missing("logEvents"))?;
    if events.is_empty() {
        return Err(LogsError::validation(
            "[]",
            "logEvents",
            "Member must have length greater than or equal to 1",
        ));
    }
    let now = now_ms();
    let mut prev = i64::MIN;
    let mut accepted = Vec::new();
    let mut too_old_end: Option<usize> = None;
    let mut too_new_start: Option<usize> = None;
    for (idx, e) in events.into_iter().enumerate() {
        let ts = e.timestamp.ok_or_else(|| {
            LogsError::missing(&format!("logEvents.{}.member.timestamp", idx + 1))
        })?;
        let message = e
            .message
            .ok_or_else(|| LogsError::missing(&format!("logEvents.{}.member.message", idx + 1)))?;
        if ts < prev {
            return Err(LogsError::InvalidParameter(
                "Log events in a single PutLogEvents request must be in chronological order."
                    .into(),
            ));
        }
        prev = ts;
        if ts < now - TOO_OLD_MS {
            too_old_end = Some(idx + 1);
        } else if ts > now + TOO_NEW_MS {
            too_new_start.get_or_insert(idx);
        } else {
            accepted.push((ts, message));
        }
    }
    let puts = if accepted.is_empty() {
        require_group(cx, group)?;
        let skey = state::stream_key(&cx.scope(), group, stream);
        cx.store
            .read(|txn| state::get_stream(txn, &skey))?
            .ok_or(LogsError::StreamNotFound)?
            .puts
    } else {
        append(cx, group, stream, accepted, false).await?
    };
    let mut out = json!({ "nextSequenceToken": format!("{:056}", puts) });
    if too_old_end.is_some() || too_new_start.is_some() {
        let mut r = json!({});
        if let Some(e) = too_old_end {
            r["tooOldLogEventEndIndex"] = e.into();
        }
        if let Some(s) = too_new_start {
            r["tooNewLogEventStartIndex"] = s.into();
        }
        out["rejectedLogEventsInfo"] = r;
    }
    Ok(out)
}

fn event_json(e: &state::Event) -> Value {
    json!({
        "timestamp": e.timestamp,
        "message": e.rec.message,
        "ingestionTime": e.rec.ingestion_time,
    })
}

fn get_events(cx: &Ctx<'_>, i: p::GetEventsInput) -> Result<Value, LogsError> {
    let group = p::group_of(&i.log_group_name, &i.log_group_identifier)?;
    let stream = p::stream_name(p::required(&i.log_stream_name, "logStreamName")?)?;
    let limit = p::limit(i.limit, 10_000, 10_000)?;
    let scope = cx.scope();
    require_group(cx, group)?;
    let skey = state::stream_key(&scope, group, stream);
    let prefix = state::events_prefix(&scope, group, stream);
    let events = cx.store.read(|txn| {
        if state::get_stream(txn, &skey)?.is_none() {
            return Err(LogsError::StreamNotFound);
        }
        Ok(state::stream_events(txn, &prefix, stream)?)
    })?;
    let in_range: Vec<&state::Event> = events
        .iter()
        .filter(|e| i.start_time.is_none_or(|s| e.timestamp >= s))
        .filter(|e| i.end_time.is_none_or(|t| e.timestamp < t))
        .collect();
    let (forward, pos) = match i.next_token.as_deref() {
        Some(t) => {
            let (f, p) = parse_token(t)?;
            (f, Some(p))
        }
        None => (i.start_from_head.unwrap_or(false), None),
    };
    let page: Vec<&state::Event> = if forward {
        in_range
            .iter()
            .filter(|e| pos.is_none_or(|p| e.pos > p))
            .take(limit)
            .copied()
            .collect()
    } else {
        let before: Vec<&state::Event> = in_range
            .iter()
            .filter(|e| pos.is_none_or(|p| e.pos < p))
            .copied()
            .collect();
        before[before.len().saturating_sub(limit)..].to_vec()
    };
    let (fwd, back) = match (page.first(), page.last()) {
        (Some(first), Some(last)) => (token(last.pos, true), token(first.pos, false)),
        _ => {
            let p = pos.unwrap_or(0);
            (token(p, true), token(p, false))
        }
    };
    Ok(json!({
        "events": page.iter().map(|e| event_json(e)).collect::<Vec<_>>(),
        "nextForwardToken": fwd,
        "nextBackwardToken": back,
    }))
}

fn filter_events(cx: &Ctx<'_>, i: p::FilterEventsInput) -> Result<Value, LogsError> {
    let group = p::group_of(&i.log_group_name, &i.log_group_identifier)?;
    if i.log_stream_names.is_some() && i.log_stream_name_prefix.is_some() {
        return Err(LogsError::InvalidParameter(
            "logStreamNames and logStreamNamePrefix are mutually exclusive".into(),
        ));
    }
    let limit = p::limit(i.limit, 10_000, 10_000)?;
    let pattern = Pattern::parse(i.filter_pattern.as_deref().unwrap_or("")).ok_or_else(|| {
        LogsError::InvalidParameter(
            "Invalid filter pattern: only term and phrase patterns are supported".into(),
        )
    })?;
    require_group(cx, group)?;
    let scope = cx.scope();
    let gprefix = state::group_prefix(&scope, group);
    let mut events = cx.store.read(|txn| {
        let streams = state::list_streams(
            txn,
            &gprefix,
            i.log_stream_name_prefix.as_deref().unwrap_or(""),
        )?;
        let mut all = Vec::new();
        for (name, _) in streams {
            if let Some(names) = &i.log_stream_names
                && !names.contains(&name)
            {
                continue;
            }
            let prefix = state::events_prefix(&scope, group, &name);
            all.extend(state::stream_events(txn, &prefix, &name)?);
        }
        Ok::<_, LogsError>(all)
    })?;
    events.retain(|e| {
        i.start_time.is_none_or(|s| e.timestamp >= s)
            && i.end_time.is_none_or(|t| e.timestamp <= t)
            && pattern.matches(&e.rec.message)
    });
    events.sort_by(|a, b| (a.pos, &a.stream).cmp(&(b.pos, &b.stream)));
    let start: usize = match i.next_token.as_deref() {
        None => 0,
        Some(t) => t.parse().map_err(|_| {
            LogsError::InvalidParameter("The specified nextToken is invalid.".into())
        })?,
    };
    let page: Vec<Value> = events
        .iter()
        .skip(start)
        .take(limit)
        .map(|e| {
            json!({
                "logStreamName": e.stream,
                "timestamp": e.timestamp,
                "message": e.rec.message,
                "ingestionTime": e.rec.ingestion_time,
                "eventId": format!("{:056}", e.pos),
            })
        })
        .collect();
    let mut out = json!({ "events": page, "searchedLogStreams": [] });
    if start + limit < events.len() {
        out["nextToken"] = (start + limit).to_string().into();
    }
    Ok(out)
}

/// The sink's entry point: appends Lambda's lines, creating group and stream.
pub async fn sink_append(
    cx: &Ctx<'_>,
    group: &str,
    stream: &str,
    events: Vec<LogEvent>,
) -> Result<(), LogsError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut ev: Vec<(i64, String)> = events
        .into_iter()
        .map(|e| (e.timestamp_ms, e.message))
        .collect();
    ev.sort_by_key(|e| e.0);
    append(cx, group, stream, ev, true).await.map(|_| ())
}
