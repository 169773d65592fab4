"""Connect a check-in to the history: follow-ups at the start, saving at the end.

Kept apart from the conversation so the conversation stays a pure state machine, and so a
broken or read-only history can never stop a check-in: the worst case is "not saved".
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from assistant.config import Settings
from assistant.dialog.conversation import CheckInResult, Conversation
from assistant.nlu.language import Language
from assistant.triage.rules import Finding


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _not_saved(lang: Language, exc: BaseException) -> str:
    return lang.lines["not_saved"].format(why=exc)


def _open_store(lang: Language, settings: Settings, notes: list[str]) -> Any | None:
    from assistant.history.store import HistoryError, HistoryStore

    try:
        return HistoryStore(settings.history_db, on_message=notes.append)
    except (HistoryError, OSError) as exc:
        notes.append(_not_saved(lang, exc))
        return None


def start_conversation(lang: Language, settings: Settings, *, use_history: bool, source: str,
                       now: datetime | None = None) -> tuple[Conversation, Any | None]:
    """A Conversation that knows the earlier check-ins of the same workout (when there are any)."""
    now = now or _now()
    notes: list[str] = []  #: said after the greeting: history problems, then "welcome back"
    store = _open_store(lang, settings, notes) if use_history else None
    previous: list[Any] = []
    follow = None
    if store is not None:
        from assistant.history.store import HistoryError
        from assistant.history.trend import follow_up_context

        try:
            latest = store.latest(now)
            if latest is not None and latest.workout_at is not None:
                previous = store.recent_for_workout(now, latest.workout_at)
                follow = follow_up_context(previous, now)
        except (HistoryError, OSError) as exc:
            notes.append(_not_saved(lang, exc))
    known: dict[str, Any] = {}
    quotes: dict[str, str] = {}
    always: set[str] = set()
    if follow is not None and follow.hours_now is not None:
        hours = round(follow.hours_now, 1)
        known = {"hours_since_workout": hours, **follow.skippable}
        lines = lang.lines
        quotes = {s: lines["from_last_time"].format(value=v) for s, v in follow.skippable.items()}
        quotes["hours_since_workout"] = lines["hours_from_last_time"].format(hours=f"{hours:g}")
        notes.append(_welcome_back(lang, follow.hours_since_last, follow.pain_score))
        always = {"trend"}
    conv = Conversation(lang, known=known, known_quotes=quotes, intro=" ".join(notes) or None,
                        confirm_threshold=settings.confirm_threshold, always_ask=always,
                        extra_findings=_trend_rules(previous) if previous else None,
                        progress=_progress_text(lang, previous) if previous else None)
    return conv, store


def _welcome_back(lang: Language, hours_since_last: float, pain: int | None) -> str:
    """ "Welcome back. Last time, about 5 hours ago, you rated ..." (under an hour: "a moment ago")."""
    lines = lang.lines
    since = (lines["since_moment"] if hours_since_last < 1
             else lines["since_hours"].format(hours=f"{hours_since_last:.0f}"))
    last = (lines["welcome_back_no_pain"].format(since=since) if pain is None
            else lines["welcome_back_pain"].format(since=since, pain=pain))
    return lines["welcome_back"].format(last=last)


def _trend_rules(previous: list[Any]) -> Callable[[dict[str, Any]], list[Finding]]:
    """Findings from comparing today's answers with the earlier check-ins of this workout."""
    from assistant.history.trend import trend_findings

    def findings(slots: dict[str, Any]) -> list[Finding]:
        pain = slots.get("pain_score")
        out = trend_findings(previous, slots.get("hours_since_workout"), pain if isinstance(pain, int) else None,
                             slots.get("trend"))
        return [Finding(f.rule, f.level, f.source, f.reason, ()) for f in out]

    return findings


def _progress_text(lang: Language, previous: list[Any]) -> str:
    """The answer to "how has it been going?": the earlier pain scores of this workout."""
    lines = lang.lines
    parts = []
    for c in previous:
        hours = c.hours_since_workout
        score = c.pain_score
        when = lines["progress_when"].format(hours=f"{hours:.0f}") if hours is not None else "?"
        parts.append(lines["progress_item"].format(when=when, pain=score if score is not None else "?",
                                                   level=c.level))
    return lines["progress"].format(items="; ".join(parts))


def finish_checkin(lang: Language, store: Any | None, result: CheckInResult, *, source: str,
                   now: datetime | None = None) -> tuple[dict[str, Any], str | None]:
    """The final record, saved to the history when there is one; the note says if saving failed."""
    now = now or _now()
    record = result.as_record()
    hours = result.slots.get("hours_since_workout")
    record.update({
        "at": now.isoformat(),
        "hours_since_workout": hours,
        "workout_at": (now - timedelta(hours=hours)).isoformat() if isinstance(hours, (int, float)) else None,
        "finished": result.complete,
        "source": source,
    })
    if store is None:
        return record, None
    from assistant.history.store import HistoryError, StoredCheckIn

    try:
        store.add(StoredCheckIn.from_dict(record))
    except (HistoryError, OSError) as exc:
        if getattr(store, "told_unwritable", False):  # said at the start already: once is enough
            return record, lang.lines["not_saved_told"]
        return record, _not_saved(lang, exc)
    return record, None


class CheckInSaver:
    """Saves one check-in exactly once, whoever asks first: the moment the verdict is decided (before it
    is read aloud), a stop signal mid-check-in, or the end of the session."""

    def __init__(self, lang: Language, store: Any | None, *, source: str) -> None:
        self.lang, self.store, self.source = lang, store, source
        self.saved: tuple[dict[str, Any], str | None] | None = None

    def save(self, result: CheckInResult) -> tuple[dict[str, Any], str | None]:
        """The record and the note (None, or why it could not be saved); saves on the first call only."""
        if self.saved is None:
            self.saved = finish_checkin(self.lang, self.store, result, source=self.source)
        return self.saved


def record_audit(lang: Language, settings: Settings, results: list[Any]) -> str:
    """`audit --record`: store each vignette as a check-in (at its `at:` time when given)."""
    notes: list[str] = []
    store = _open_store(lang, settings, notes)
    if store is None:
        return notes[0] if notes else "history unavailable"
    from assistant.history.store import HistoryError, StoredCheckIn

    saved = 0
    for r in results:
        when = datetime.fromisoformat(r.vignette.at) if r.vignette.at else _now()
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        hours = r.slots.get("hours_since_workout")
        record = {"at": when.isoformat(), "level": r.level, "reasons": r.reasons, "slots": r.slots,
                  "hours_since_workout": hours, "finished": True, "source": "audit"}
        try:
            store.add(StoredCheckIn.from_dict(record))
            saved += 1
        except (HistoryError, OSError, ValueError) as exc:
            notes.append(f"{r.vignette.id}: {_not_saved(lang, exc)}")
    return "\n".join([f"Saved {saved} of {len(results)} vignettes to {settings.history_db}.", *notes])
