"""L02 alerts: a new mention spike is emailed to the comms leads within the hour it is detected, once.

The listening DAG runs hourly (and whenever new platform data lands), so today's volume so far is
tested against the baseline as the day goes on: a spike is caught while it is happening, not the
next morning. Each (day, scope) is alerted once: ``listening_alerts`` remembers it, and the email's
delivery key makes a retried send a no-op.

The steps are split like every report's: ``check`` (warehouse pool) detects new spikes and writes the
email's content to the work folder, ``send`` (outside the pool) emails it, ``record`` (pool) keeps
the alert. Only ids and a path pass through XCom; mention text stays in files the privacy catalogue
knows about.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
#: Recipients of spike alerts: the people who read the daily digest, and the weekly report's.
RECIPIENT_REPORTS = ("listening_digest", "listening")
#: Days before today tested again in case a run was missed (a spike found late is still alerted).
DAYS_BACK = 1


def recipients(con) -> dict[str, list[str]]:
    """To and Cc for spike alerts: the listening digest's and the weekly report's recipients."""
    from council_social.registers.report import recipients as listed

    to: list[str] = []
    cc: list[str] = []
    for report in RECIPIENT_REPORTS:
        found = listed(con, report)
        to += [e for e in found["to"] if e.lower() not in {a.lower() for a in to}]
        cc += [e for e in found["cc"] if e.lower() not in {a.lower() for a in to + cc}]
    return {"to": to, "cc": [e for e in cc if e.lower() not in {a.lower() for a in to}]}


def work_file(run_id: str | None) -> Path:
    from council_social.config import settings

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", run_id or "manual").strip("_") or "manual"
    return settings().data_dir / "reports_work" / safe / "listening_spike_alert.json"


def _context(con, spikes, *, now: datetime, policy, names) -> dict:
    """What the email says: the spikes, the topics and words of those days, a few example mentions."""
    from council_social.listening.findings import account_label, excerpt, rule

    spec = rule("L02")
    days = sorted({s.day for s in spikes})
    scopes = sorted({s.scope for s in spikes if s.scope != "all"})
    where = "m.day in (select unnest($days::date[]))"
    if "all" not in {s.scope for s in spikes}:
        where += " and m.council_account in (select unnest($scopes::varchar[]))"
    base = f"from listening_mentions as m where {where} and m.about_council and not m.author_is_council"
    params = {"days": days, **({"scopes": scopes} if "scopes" in where else {})}
    topics = [t for t, _ in con.execute(
        f"select topic, count(*) as n from (select unnest(m.topics) as topic {base}) group by 1 order by n desc, 1 "
        "limit 5", params).fetchall()]
    keywords = [k for k, _ in con.execute(
        f"select word, count(*) as n from (select unnest(m.keywords) as word {base}) group by 1 "
        "order by n desc, 1 limit 8", params).fetchall()]
    examples = []
    found = con.execute(
        "select m.platform, m.author_handle, m.author_id, m.author_name, m.author_verified, m.author_reach,"
        f" m.text, m.created_at {base} order by m.author_reach desc nulls last, m.created_at limit 5",
        params).fetchall()
    names.learn(con, [(row[0], row[6]) for row in found])
    for platform, handle, author_id, name, verified, reach, text, created in found:
        examples.append({"author": names.author(platform, handle=handle, author_id=author_id, name=name,
                                                verified=verified, reach=reach),
                         "text": excerpt(names.text(platform, text), 200), "when": created.isoformat()})
    rows = [{"day": f"{s.day:%a %d %b %Y}", "day_iso": s.day.isoformat(), "scope": s.scope,
             "where": "All mentions of the council" if s.scope == "all" else account_label(s.scope),
             "volume": s.volume, "mean": f"{s.mean:.1f}", "sigma": f"{s.sigma:.1f}", "threshold": f"{s.threshold:.1f}",
             "raw": {"mean": s.mean, "sigma": s.sigma, "threshold": s.threshold}} for s in spikes]
    biggest = max(spikes, key=lambda s: (s.scope == "all", s.volume))
    where_words = rows[spikes.index(biggest)]["where"]
    subject = (f"Mention spike: {biggest.volume:,} mentions ({where_words}) on {biggest.day:%a %d %b}, "
               f"usually {biggest.mean:.0f} a day")
    return {"subject": subject, "spikes": rows, "topics": topics, "keywords": keywords, "examples": examples,
            "clause": spec.clause, "action": spec.action.rstrip("."), "detected": now.isoformat(),
            "baseline_days": int(policy["rules"]["L02_baseline_days"]),
            "sigmas": policy["rules"]["L02_spike_sigma"]}


def check(con, *, now: datetime | None = None, run_id: str | None = None, policy=None,
          since: date | None = None) -> dict | None:
    """New spikes (today and the day before, Europe/London; or every day from ``since``) that were not
    alerted yet; writes the email's content to the work folder and returns what ``send`` and ``record``
    need, or None."""
    from council_social.listening.pseudonymise import pseudonymiser
    from council_social.listening.spikes import detect
    from council_social.policy import load_policy

    now = now or datetime.now(UTC)
    policy = policy or load_policy()
    today = now.astimezone(LONDON).date()
    first = min(since, today) if since else today - timedelta(days=DAYS_BACK)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    alerted = {(d, s) for d, s in con.execute(
        "select day, scope from listening_alerts where day between ? and ?", [days[0], today]).fetchall()}
    spikes = [s for s in detect(con, days, policy["rules"]) if (s.day, s.scope) not in alerted]
    if not spikes:
        log.info("no new mention spike from %s to %s", days[0], days[-1])
        return None
    names = pseudonymiser(con, policy=policy, recent_from=first - timedelta(days=28))
    context = _context(con, spikes, now=now, policy=policy, names=names)
    path = work_file(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(context, ensure_ascii=False), encoding="utf-8")
    for s in spikes:
        log.warning("mention spike: %s on %s: %d mentions (mean %.1f, sigma %.1f, alert level %.1f)", s.scope, s.day,
                    s.volume, s.mean, s.sigma, s.threshold)
    return {"path": str(path), "recipients": recipients(con), "detected_at": now.isoformat(),
            "spikes": [{"day": s.day.isoformat(), "scope": s.scope, "volume": s.volume, "mean": s.mean,
                        "sigma": s.sigma, "threshold": s.threshold} for s in spikes]}


def delivery_key(spikes: list[dict]) -> str:
    return "listening_spike/" + "+".join(sorted(f"{s['day']}:{s['scope']}" for s in spikes))


def send(checked: dict | None) -> dict | None:
    """Email the alert once (SMTP, or the outbox when none is configured); returns what ``record`` keeps."""
    if not checked:
        return None
    from council_social.delivery.email import compose, deliver
    from council_social.reporting.render import render

    context = json.loads(Path(checked["path"]).read_text(encoding="utf-8"))
    to, cc = checked["recipients"]["to"], checked["recipients"]["cc"]
    count = len(to) + len(cc)
    if not count:
        log.warning("mention spike, but nobody is listed for %s in the report recipients register: not emailed",
                    " or ".join(RECIPIENT_REPORTS))
        return {**checked, "alerted_at": datetime.now(UTC).isoformat(), "sent_to": 0}
    html = render("spike_alert.html", **context)
    text = render("spike_alert.txt", **context)
    message = compose(subject=context["subject"], to=to or cc, cc=cc if to else (), html=html, text=text,
                      headers={"X-Council-Social-Report": "listening_spike"})
    delivery = deliver(message, key=delivery_key(checked["spikes"]))
    log.info("spike alert %s: %s", delivery_key(checked["spikes"]),
             "already sent" if delivery.skipped else f"sent by {delivery.channel} to {count} recipient(s)")
    return {**checked, "alerted_at": delivery.sent_at.isoformat(), "sent_to": count}


def record(con, sent: dict | None, *, run_id: str | None = None) -> int:
    """Keep each alerted spike in ``listening_alerts`` so it is never alerted again."""
    if not sent:
        return 0
    from council_social.warehouse.loading import in_transaction

    def work() -> int:
        for s in sent["spikes"]:
            con.execute("insert or replace into listening_alerts (day, scope, volume, mean, sigma, threshold,"
                        " detected_at, alerted_at, recipients, run_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [date.fromisoformat(s["day"]), s["scope"], s["volume"], s["mean"], s["sigma"], s["threshold"],
                         datetime.fromisoformat(sent["detected_at"]), datetime.fromisoformat(sent["alerted_at"]),
                         sent["sent_to"], run_id])
        return len(sent["spikes"])

    return in_transaction(con, work)
