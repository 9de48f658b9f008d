"""Social listening: what people say to and about the council, and what is left unanswered.

One mentions fact (``listening_mentions``) from every source, scored once as mentions arrive
(sentiment, topics, keywords, lexicon flags), daily aggregates that outlive the mention text, and
the three listening rules: L01 unanswered mentions, L02 spikes, L03 comments for moderation.
"""
