"""Load and validate the language data in `intents/<lang>/`.

Everything BackCheck says or understands lives in YAML there; this module turns it into typed,
checked objects once at start-up, so that a typo in a data file fails with the file, the entry
and what is wrong instead of a traceback in the middle of a check-in.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.nlu.datafile import IntentDataError, need, read_data, str_list, text_of

#: The slots fixed by the contract (../shared/contract.md) and the kind of value each holds.
CONTRACT_SLOTS: dict[str, str] = {
    "hours_since_workout": "duration",
    "onset": "choice",
    "pain_score": "number",
    "quality": "choice",
    "localized": "yesno",
    "spreading": "yesno",
    "leg_symptoms": "yesno",
    "leg_weakness": "yesno",
    "one_leg_weight": "yesno",
    "night_pain": "yesno",
    "movement": "yesno",
    "trend": "choice",
    "bladder_bowel": "yesno",
    "saddle_numbness": "yesno",
    "side": "choice",
}
CHOICE_VALUES: dict[str, set[str]] = {
    "onset": {"sudden", "gradual"},
    "quality": {"sharp", "dull"},
    "trend": {"better", "same", "worse"},
    "side": {"left", "right", "both"},
}
LEVELS: tuple[str, ...] = ("emergency", "urgent", "doctor", "normal")
COMMANDS: tuple[str, ...] = ("repeat", "help", "back", "stop")


@dataclass(frozen=True)
class Question:
    """One question of the check-in, filling one contract slot."""

    slot: str
    kind: str  #: yesno | choice | number | duration
    topic: str  #: a few words naming the sign, for reasons and summaries
    prompt: str  #: what is asked first
    reask: str  #: a simpler wording, used once after an unclear or unknown answer
    help: str  #: said on "help"
    confirm: str | None  #: asked when a low-confidence "yes" is heard (red flags)
    answers: dict[Any, tuple[str, ...]]  #: value -> phrasings (True/False for yes/no)
    ask_if: tuple[dict[str, Any], ...] = ()  #: any-of conditions; empty = always ask
    value_range: tuple[float, float] | None = None
    words: dict[str, int] = field(default_factory=dict)  #: number words such as "mild" -> 3
    volunteer_min_words: int = 1  #: shortest phrase that fills this slot when said in passing
    spoken: tuple[str, ...] = ()  #: what a recogniser listens for (besides yes/no, numbers, times)
    inclusive: str | None = None  #: a choice value that includes the others ("both"): said with one, it wins
    #: an answer that sets one side against the other ("the right's fine, but the left...") is a yes
    sides_differ: bool = False
    #: the sign is something a leg cannot do: "I can stand on it" is never read as the sign by the model
    ability: bool = False
    #: answers move through time ("I thought it'd ease but it's ramping up"): named both ways, the
    #: value named last is where things stand now
    last_said_wins: bool = False


@dataclass(frozen=True)
class Screen:
    """One yes/no question covering several slots ("bladder or bowel trouble, or numbness down there?").

    A plain "no" rules out every slot at once; "yes" or "not sure" leads to each slot's own question.
    """

    name: str
    slots: tuple[str, ...]  #: the slots it covers, most serious first (the drill-down order)
    prompt: str
    reask: str  #: simpler wording, used once after an unclear answer
    help: str
    topic: str


@dataclass(frozen=True)
class Rule:
    """A triage rule: when every condition holds, the verdict is at least `level`."""

    id: str
    level: str
    source: str
    when: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class Language:
    """All language data for one locale, validated."""

    code: str
    root: Path
    order: tuple[str, ...]
    questions: dict[str, Question]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    unknown: tuple[str, ...]
    fillers: tuple[str, ...]
    negators: tuple[str, ...]
    commands: dict[str, tuple[str, ...]]
    faq: dict[str, tuple[tuple[str, ...], str]]  #: id -> (ways to ask, answer)
    units: dict[str, float]
    counts: dict[str, float]
    relative: dict[str, float]
    number_words: tuple[str, ...]
    grammar_counts: dict[str, tuple[str, ...]]  #: unit -> counts offered to a recogniser with it
    levels: dict[str, dict[str, str]]
    rules: tuple[Rule, ...]
    unknown_rule: dict[str, Any]
    incomplete_rule: dict[str, str]
    advice: dict[str, tuple[str, ...]]
    disclaimer: str
    normal_reason: str
    lines: dict[str, str]
    spoken: dict[str, tuple[str, ...]]  #: yes, no, unknown, commands -> what a recogniser listens for
    screens: dict[str, Screen] = field(default_factory=dict)
    plan: tuple[str, ...] = ()  #: what is asked, in order: slot names and screen names
    context: tuple[str, ...] = ()  #: slots asked even when they cannot raise the level (for the record)
    hedges: tuple[str, ...] = ()  #: "kind of": a yes only when nothing else is said
    not_yet: tuple[str, ...] = ()  #: "haven't slept since": the person cannot know yet (unknown)
    word_forms: dict[str, str] = field(default_factory=dict)  #: irregular form or synonym -> matching word
    minor_words: tuple[str, ...] = ()  #: little words a loose (any-order) match may skip
    question_words: tuple[str, ...] = ()  #: an utterance starting with one is a question back
    weekdays: dict[str, int] = field(default_factory=dict)  #: "monday" -> 0 ... "sunday" -> 6
    parts_of_day: dict[str, float] = field(default_factory=dict)  #: "arvo" -> 15, "brekkie" -> 8
    day_offsets: dict[str, int] = field(default_factory=dict)  #: "yesterday" -> -1
    now_words: tuple[str, ...] = ()  #: "and it's Tuesday": what follows is about now
    counted_things: tuple[str, ...] = ()  #: "two sessions": a number before these counts them, not hours
    ruled_out_words: tuple[str, ...] = ()  #: said right after a choice ("the left's fine"), they rule it out
    other_words: tuple[str, ...] = ()  #: "the other one": after ruling one choice out, the one left
    contrast_words: tuple[str, ...] = ()  #: "but", "except": what follows sets itself against what came before
    weakeners: tuple[str, ...] = ()  #: "barely", "hardly": "can barely stand" is trouble standing, not able to
    echoes: tuple[str, ...] = ()  #: "it is", "I have": a yes or no that echoes the question's verb
    sign_words: tuple[str, ...] = ()  #: "numb", "weak": said, not denied, the model never rules a sign out
    lack_words: tuple[str, ...] = ()  #: "power", "feeling": after "no", a sign the same way
    one_as_thing_after: tuple[str, ...] = ()  #: "a bad one", "that one": "one" is a thing there, not a score
    one_as_thing_before: tuple[str, ...] = ()  #: "one number", "one moment": "one" counts a thing there
    doubt_links: tuple[str, ...] = ()  #: "if", "whether": "can't tell if it's better" doubts "better"
    inexact_words: tuple[str, ...] = ()  #: "exactly": "can't remember exactly, last night" still answers
    double_negatives: tuple[str, ...] = ()  #: "can't say it hasn't": a yes, matched but not taught to the model
    corrections: tuple[str, ...] = ()  #: "no, wait, yes": what follows one replaces what came before
    ability_words: tuple[str, ...] = ()  #: "can", "able": "I can stand on it" claims what a leg sign denies
    ability_limits: tuple[str, ...] = ()  #: "only", "but": "I can only stand a second" claims no ability
    inability_words: tuple[str, ...] = ()  #: "can't", "unable": "I can't bend forward" denies an ability
    #: slot -> value ("yes"/"no"/"unknown" or a choice value) -> example answers (meanings.yaml)
    examples: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    off_topic: tuple[str, ...] = ()  #: things said that answer no question (meanings.yaml, other:)


def intents_root() -> Path:
    """Where the intents/ folder is: $BACKCHECK_INTENTS, else beside the package (repo layout)."""
    env = os.environ.get("BACKCHECK_INTENTS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "intents"


def _check_condition(cond: Any, path: Path, entry: str) -> dict[str, Any]:
    need(isinstance(cond, dict) and len(cond) > 0, path, entry, "condition must be a mapping slot -> test")
    for slot, test in cond.items():
        need(slot in CONTRACT_SLOTS, path, entry, f"unknown slot {slot!r} in condition")
        if isinstance(test, dict):
            for op, num in test.items():
                need(op in (">=", ">", "<", "<="), path, entry, f"unknown comparison {op!r}")
                need(isinstance(num, (int, float)), path, entry, f"{op} needs a number, got {num!r}")
        elif isinstance(test, list):
            for v in test:
                need(v in CHOICE_VALUES.get(slot, set()), path, entry, f"{v!r} is not a value of {slot}")
        elif isinstance(test, bool):
            need(CONTRACT_SLOTS[slot] == "yesno", path, entry, f"{slot} is not a yes/no slot")
        elif test == "unknown":
            pass
        else:
            need(test in CHOICE_VALUES.get(slot, set()), path, entry, f"{test!r} is not a value of {slot}")
    return dict(cond)


def _load_question(slot: str, raw: Any, path: Path) -> Question:
    entry = f"slots.{slot}"
    need(slot in CONTRACT_SLOTS, path, entry, f"not a contract slot (known: {', '.join(CONTRACT_SLOTS)})")
    need(isinstance(raw, dict), path, entry, "must be a mapping")
    kind = raw.get("kind")
    need(kind == CONTRACT_SLOTS[slot], path, entry, f"kind must be {CONTRACT_SLOTS[slot]!r}, got {kind!r}")
    for key in ("prompt", "reask", "help", "topic"):
        need(key in raw, path, entry, f"missing '{key}'")
    raw_answers = raw.get("answers") or {}
    need(isinstance(raw_answers, dict), path, entry, "'answers' must be a mapping value -> phrasings")
    answers: dict[Any, tuple[str, ...]] = {}
    for value, phrases in raw_answers.items():
        if kind == "yesno":
            need(value in ("yes", "no"), path, f"{entry}.answers", f"yes/no answers use yes: and no:, got {value!r}")
            value = value == "yes"
        else:
            need(value in CHOICE_VALUES.get(slot, set()), path, f"{entry}.answers", f"{value!r} is not a value of {slot}")
        answers[value] = str_list(phrases, path, f"{entry}.answers.{value}")
    if kind == "choice":
        missing = CHOICE_VALUES[slot] - set(answers)
        need(not missing, path, f"{entry}.answers", f"no phrasings for {sorted(missing)}")
    ask_if_raw = raw.get("ask_if")
    ask_if: tuple[dict[str, Any], ...] = ()
    if ask_if_raw is not None:
        alts = ask_if_raw if isinstance(ask_if_raw, list) else [ask_if_raw]
        ask_if = tuple(_check_condition(c, path, f"{entry}.ask_if") for c in alts)
    value_range = None
    if kind in ("number", "duration"):
        rng = raw.get("range")
        need(isinstance(rng, list) and len(rng) == 2, path, entry, "number questions need range: [low, high]")
        value_range = (float(rng[0]), float(rng[1]))
    words = raw.get("words") or {}
    need(isinstance(words, dict), path, f"{entry}.words", "must be a mapping word -> number")
    for w, n in words.items():
        need(isinstance(n, int), path, f"{entry}.words.{w}", "must be a whole number")
    confirm = raw.get("confirm")
    return Question(
        slot=slot, kind=kind, topic=text_of(raw["topic"], path, f"{entry}.topic"),
        prompt=text_of(raw["prompt"], path, f"{entry}.prompt"), reask=text_of(raw["reask"], path, f"{entry}.reask"),
        help=text_of(raw["help"], path, f"{entry}.help"),
        confirm=text_of(confirm, path, f"{entry}.confirm") if confirm is not None else None,
        answers=answers, ask_if=ask_if, value_range=value_range, words={str(k): int(v) for k, v in words.items()},
        volunteer_min_words=int(raw.get("volunteer_min_words", 1)),
        spoken=str_list(raw["spoken"], path, f"{entry}.spoken") if "spoken" in raw else (),
        inclusive=_inclusive(raw.get("inclusive"), answers, path, entry),
        sides_differ=bool(raw.get("sides_differ", False)), ability=bool(raw.get("ability", False)),
        last_said_wins=bool(raw.get("last_said_wins", False)),
    )


def _inclusive(value: Any, answers: dict[Any, tuple[str, ...]], path: Path, entry: str) -> str | None:
    if value is None:
        return None
    need(value in answers, path, f"{entry}.inclusive", f"{value!r} is not one of the answers")
    return str(value)


def _load_screens(qdata: dict[str, Any], questions: dict[str, Question], path: Path) -> dict[str, Screen]:
    raw = qdata.get("screens") or {}
    need(isinstance(raw, dict), path, "screens", "must be a mapping name -> screening question")
    out: dict[str, Screen] = {}
    for name, item in raw.items():
        entry = f"screens.{name}"
        need(name not in CONTRACT_SLOTS, path, entry, "a screen cannot be named like a slot")
        need(isinstance(item, dict), path, entry, "must be a mapping with slots, prompt, reask, help, topic")
        slots = str_list(item.get("slots"), path, f"{entry}.slots")
        for slot in slots:
            need(slot in questions and questions[slot].kind == "yesno", path, f"{entry}.slots",
                  f"{slot!r} is not a yes/no slot")
        need(len(slots) >= 2, path, f"{entry}.slots", "a screen covers two or more slots")
        out[str(name)] = Screen(str(name), slots, *(text_of(item.get(k), path, f"{entry}.{k}")
                                                     for k in ("prompt", "reask", "help", "topic")))
    return out


def _load_plan(qdata: dict[str, Any], screens: dict[str, Screen], path: Path) -> tuple[str, ...]:
    plan = str_list(qdata.get("plan"), path, "plan")
    covered: list[str] = []
    for item in plan:
        need(item in CONTRACT_SLOTS or item in screens, path, "plan", f"{item!r} is neither a slot nor a screen")
        covered += list(screens[item].slots) if item in screens else [item]
    need(sorted(covered) == sorted(CONTRACT_SLOTS), path, "plan",
          "must cover every contract slot exactly once (directly or through one screen)")
    return plan


def load_language(code: str = "en", root: Path | None = None) -> Language:
    """Read and validate intents/<code>/; raise IntentDataError naming the file and entry on any fault."""
    base = (root or intents_root()) / code
    if not base.is_dir():
        raise IntentDataError(f"{base}: language folder is missing (is '{code}' a supported language?)")

    qpath = base / "questions.yaml"
    qdata = read_data(qpath)
    need(isinstance(qdata, dict), qpath, "(top)", "must be a mapping with 'order' and 'slots'")
    raw_slots = qdata.get("slots")
    need(isinstance(raw_slots, dict), qpath, "slots", "must be a mapping slot -> question")
    questions = {slot: _load_question(slot, raw, qpath) for slot, raw in raw_slots.items()}
    missing = set(CONTRACT_SLOTS) - set(questions)
    need(not missing, qpath, "slots", f"no question for contract slots {sorted(missing)}")
    order = qdata.get("order")
    need(isinstance(order, list) and sorted(order) == sorted(CONTRACT_SLOTS), qpath, "order",
          "must list every contract slot exactly once")
    screens = _load_screens(qdata, questions, qpath)
    plan = _load_plan(qdata, screens, qpath)
    context = str_list(qdata.get("context"), qpath, "context") if qdata.get("context") else ()
    for slot in context:
        need(slot in CONTRACT_SLOTS, qpath, "context", f"unknown slot {slot!r}")

    cpath = base / "common.yaml"
    common = read_data(cpath)
    need(isinstance(common, dict), cpath, "(top)", "must be a mapping")
    lists = {k: str_list(common.get(k), cpath, k) for k in ("yes", "no", "unknown", "fillers", "negators")}
    spoken = {k: str_list(common.get(f"spoken_{k}"), cpath, f"spoken_{k}") for k in ("yes", "no", "unknown", "commands")}
    extra = {k: str_list(common.get(k), cpath, k) for k in ("hedges", "not_yet", "minor_words", "question_words",
                                                             "ruled_out_words", "other_words", "contrast_words",
                                                             "weakeners", "one_as_thing_after", "one_as_thing_before",
                                                             "doubt_links", "inexact_words", "double_negatives",
                                                             "corrections",
                                                             "ability_words", "ability_limits", "inability_words",
                                                             "echoes",
                                                             "sign_words", "lack_words")}
    forms_raw = common.get("word_forms")
    need(isinstance(forms_raw, dict) and forms_raw, cpath, "word_forms", "must map a word to its other forms")
    word_forms: dict[str, str] = {}
    for word, variants in forms_raw.items():
        for v in str_list(variants, cpath, f"word_forms.{word}"):
            word_forms[v.lower()] = str(word).lower()

    mpath = base / "commands.yaml"
    cmds = read_data(mpath)
    need(isinstance(cmds, dict), mpath, "(top)", "must be a mapping command -> phrasings")
    for name in COMMANDS:
        need(name in cmds, mpath, name, "missing command")
    commands = {name: str_list(cmds[name], mpath, name) for name in COMMANDS}

    fpath = base / "faq.yaml"
    fdata = read_data(fpath)
    need(isinstance(fdata, dict), fpath, "(top)", "must be a mapping id -> {ask, answer}")
    faq: dict[str, tuple[tuple[str, ...], str]] = {}
    for fid, item in fdata.items():
        need(isinstance(item, dict), fpath, fid, "must have 'ask' and 'answer'")
        faq[str(fid)] = (str_list(item.get("ask"), fpath, f"{fid}.ask"), text_of(item.get("answer"), fpath, f"{fid}.answer"))

    dpath = base / "durations.yaml"
    ddata = read_data(dpath)
    nums: dict[str, dict[str, float]] = {}
    for key in ("units", "counts", "relative"):
        part = ddata.get(key) if isinstance(ddata, dict) else None
        need(isinstance(part, dict) and part, dpath, key, "must be a mapping word -> number")
        for w, n in part.items():
            need(isinstance(n, (int, float)), dpath, f"{key}.{w}", "must be a number")
        nums[key] = {str(k): float(v) for k, v in part.items()}

    moments: dict[str, dict[str, float]] = {}
    for key in ("weekdays", "parts_of_day", "day_offsets"):
        part = ddata.get(key) or {}
        need(isinstance(part, dict), dpath, key, "must be a mapping word -> number")
        for w, n in part.items():
            need(isinstance(n, (int, float)), dpath, f"{key}.{w}", "must be a number")
        moments[key] = {str(k): float(v) for k, v in part.items()}
    now_words = str_list(ddata.get("now_words"), dpath, "now_words") if ddata.get("now_words") else ()
    counted = str_list(ddata.get("counted_things"), dpath, "counted_things") if ddata.get("counted_things") else ()
    number_words = str_list(ddata.get("number_words"), dpath, "number_words")
    gc = ddata.get("grammar_counts")
    need(isinstance(gc, dict) and gc, dpath, "grammar_counts", "must map a unit to the counts said with it")
    for unit in gc:
        need(unit in nums["units"], dpath, f"grammar_counts.{unit}", "is not one of the units")
    grammar_counts = {str(u): str_list(c, dpath, f"grammar_counts.{u}") for u, c in gc.items()}

    tpath = base / "triage.yaml"
    tdata = read_data(tpath)
    need(isinstance(tdata, dict), tpath, "(top)", "must be a mapping")
    levels = tdata.get("levels")
    need(isinstance(levels, dict) and set(levels) == set(LEVELS), tpath, "levels", f"must define exactly {LEVELS}")
    for lvl, item in levels.items():
        need(isinstance(item, dict), tpath, f"levels.{lvl}", "needs headline and action")
        text_of(item.get("headline"), tpath, f"levels.{lvl}.headline")
        text_of(item.get("action"), tpath, f"levels.{lvl}.action")
    rules = []
    for i, raw in enumerate(tdata.get("rules") or []):
        entry = f"rules[{i}]"
        need(isinstance(raw, dict), tpath, entry, "must be a mapping")
        for key in ("id", "level", "source", "when", "reason"):
            need(key in raw, tpath, entry, f"missing '{key}'")
        need(raw["level"] in LEVELS, tpath, f"{entry} ({raw['id']})", f"level must be one of {LEVELS}")
        rules.append(Rule(id=str(raw["id"]), level=raw["level"], source=text_of(raw["source"], tpath, entry),
                          when=_check_condition(raw["when"], tpath, f"{entry} ({raw['id']})"),
                          reason=text_of(raw["reason"], tpath, entry)))
    need(len(rules) > 0, tpath, "rules", "no rules")
    unknown_rule = tdata.get("unknown_is_doctor")
    need(isinstance(unknown_rule, dict), tpath, "unknown_is_doctor", "missing")
    for s in unknown_rule.get("slots") or []:
        need(s in CONTRACT_SLOTS, tpath, "unknown_is_doctor.slots", f"unknown slot {s!r}")
    incomplete = tdata.get("incomplete")
    need(isinstance(incomplete, dict) and incomplete.get("level") in LEVELS, tpath, "incomplete", "needs level/source/reason")
    advice_raw = tdata.get("advice")
    need(isinstance(advice_raw, dict) and set(advice_raw) == set(LEVELS), tpath, "advice", "needs one list per level")
    advice = {lvl: str_list(advice_raw[lvl], tpath, f"advice.{lvl}") for lvl in LEVELS}

    lpath = base / "dialog.yaml"
    ldata = read_data(lpath)
    need(isinstance(ldata, dict), lpath, "(top)", "must be a mapping name -> sentence")
    lines = {str(k): text_of(v, lpath, str(k)) for k, v in ldata.items()}
    for key in ("greeting", "not_understood", "not_understood_noisy", "moving_on", "back_to_checkin", "stopped",
                "learned_heading", "learned_nothing", "you_said", "red_flag_jump", "goodbye", "going_back",
                "nothing_to_undo", "confirm_kept", "reasons_heading", "next_heading", "unknown_answer", "confirm_stop",
                "unknown_caveat", "and", "more_signs"):
        need(key in lines, lpath, key, "missing line")

    examples, off_topic = _load_examples(base / "meanings.yaml", questions)

    return Language(
        code=code, root=base, order=tuple(order), questions=questions,
        yes=lists["yes"], no=lists["no"], unknown=lists["unknown"], fillers=lists["fillers"],
        negators=lists["negators"], commands=commands, faq=faq,
        units=nums["units"], counts=nums["counts"], relative=nums["relative"],
        number_words=number_words, grammar_counts=grammar_counts,
        levels={k: dict(v) for k, v in levels.items()}, rules=tuple(rules), unknown_rule=dict(unknown_rule),
        incomplete_rule={k: str(v) for k, v in incomplete.items()}, advice=advice,
        disclaimer=text_of(tdata.get("disclaimer"), tpath, "disclaimer"),
        normal_reason=text_of(tdata.get("normal_reason"), tpath, "normal_reason"), lines=lines, spoken=spoken,
        screens=screens, plan=plan, context=context, hedges=extra["hedges"], not_yet=extra["not_yet"],
        word_forms=word_forms, minor_words=extra["minor_words"], question_words=extra["question_words"],
        ruled_out_words=extra["ruled_out_words"], other_words=extra["other_words"],
        contrast_words=extra["contrast_words"], weakeners=extra["weakeners"], echoes=extra["echoes"],
        sign_words=extra["sign_words"], lack_words=extra["lack_words"],
        one_as_thing_after=extra["one_as_thing_after"], one_as_thing_before=extra["one_as_thing_before"],
        doubt_links=extra["doubt_links"], inexact_words=extra["inexact_words"],
        double_negatives=extra["double_negatives"],
        corrections=extra["corrections"],
        ability_words=extra["ability_words"], ability_limits=extra["ability_limits"],
        inability_words=extra["inability_words"], examples=examples,
        weekdays={k: int(v) for k, v in moments["weekdays"].items()}, parts_of_day=moments["parts_of_day"],
        day_offsets={k: int(v) for k, v in moments["day_offsets"].items()}, now_words=now_words,
        counted_things=counted, off_topic=off_topic,
    )


def _load_examples(path: Path, questions: dict[str, Question]
                   ) -> tuple[dict[str, dict[str, tuple[str, ...]]], tuple[str, ...]]:
    """Example answers per slot and value, and things that answer nothing, for the meaning model (optional file)."""
    if not path.is_file():
        return {}, ()
    data = read_data(path)
    need(isinstance(data, dict), path, "(top)", "must be a mapping slot -> value -> example answers")
    off_topic = str_list(data.pop("other"), path, "other") if "other" in data else ()
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for slot, values in data.items():
        need(slot in questions, path, str(slot), "not a contract slot")
        kind = questions[slot].kind
        need(kind in ("yesno", "choice"), path, str(slot), "numbers and times are read by rules, not examples")
        allowed = {"yes", "no"} if kind == "yesno" else set(CHOICE_VALUES[slot])
        need(isinstance(values, dict), path, str(slot), "must map each value to example answers")
        for value in values:
            need(value in allowed | {"unknown"}, path, f"{slot}.{value}",
                  f"not a value of {slot} (use {', '.join(sorted(allowed))} or unknown)")
        out[str(slot)] = {str(v): str_list(ex, path, f"{slot}.{v}") for v, ex in values.items()}
    return out, off_topic
