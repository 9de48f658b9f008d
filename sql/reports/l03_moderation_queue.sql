-- L03 (G Moderation; M 5.1): comments on council posts that look abusive or party-political, queued
-- for a moderator's review: those written by $as_of and not reviewed by then. The comment's text is
-- read from the mentions fact (it goes with retention; the queue keeps only ids).
-- Rows, not findings: listening/findings.py turns them into findings (private individuals
-- pseudonymised) and keeps them with reporting.findings.store.
select q.platform, q.mention_id, q.council_account, q.post_id, q.reason, q.matched_terms, q.status, q.queued_at,
    q.reviewed_at, m.author_id, m.author_handle, m.author_name, m.author_reach, m.author_verified,
    m.text, m.url, q.created_at
from listening_moderation_queue as q
left join listening_mentions as m using (platform, mention_id)
where q.created_at <= $as_of
  and (q.status = 'queued' or q.reviewed_at > $as_of)
order by q.queued_at, q.platform, q.mention_id
