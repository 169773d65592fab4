"""The always-on loop: hear the wake word, chime, run one check-in, go back to listening.

Every fault the Pi meets in a home gym ends as one log line on stderr (the journal under systemd)
and, where possible, recovery: a microphone that is missing or unplugged is waited for, a sound
server restart reopens the devices, a check-in that crashes is saved as far as it got. A check-in is
saved the moment its verdict is decided, before the verdict is read aloud (a power cut during the
read-back keeps it). SIGTERM during a check-in saves the partial check-in and stops cleanly; SIGHUP
(a closed terminal) moves the output to a log file and goes on listening.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TextIO

from assistant.config import Settings
from assistant.nlu.language import Language
from assistant.serve.state import AlreadyRunning
from assistant.serve.signals import STOP_GRACE_S, Stopping, catch_signals_aside, detach_output

#: exit status for a problem restarting cannot fix (bad model, no recogniser); the unit does not restart on it
EXIT_CONFIG = 78
RETRY_S = 2.0  #: how often a missing microphone is looked for again
#: PortAudio block: 100 ms halves the audio thread's wake-ups against 50 ms (idle 1.02 -> 0.85 % of a
#: core, docs/benchmarks.md); an answer's end reaches the recogniser ~25 ms later on average
MIC_BLOCK_MS = 100
MAX_RESTARTS = 3  #: "start again" this many times in one wake, then the check-in just goes on

def log(message: str, out: TextIO | None = None) -> None:
    """One line for the journal (systemd adds the time stamp); a dead terminal (EIO) must not stop serve."""
    try:
        print(f"backcheck serve: {message}", file=out or sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


@dataclass
class Serve:
    """One serve process: the wake detector, recogniser and speaker it keeps between check-ins."""

    lang: Language
    settings: Settings
    detector: Any
    recognizer: Any
    talk: TextIO = sys.stdout
    once: bool = False  #: stop after one check-in (tests, `serve --once`)
    catch_signals_aside: bool = False  #: the process is serve's alone: take signals on their own thread
    checkins: int = 0
    state: Any = None
    mouth: Any = None
    _stop_requested: bool = field(default=False, repr=False)
    _mic_lock: Any = field(default=None, repr=False)

    # -- signals --------------------------------------------------------------
    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self._stop_requested:
            self._stop_requested = True
            raise Stopping(signal.Signals(signum).name)

    def _hung_up(self) -> None:
        """SIGHUP: the terminal is gone; keep listening, write the log to a file from now on."""
        where = detach_output(self.settings.data_dir)
        log(f"the terminal was closed (SIGHUP); still listening (log: {where})")

    # -- devices --------------------------------------------------------------
    def _open_mic(self) -> Any:
        """The microphone, waiting (and saying so once) until one is there."""
        from assistant.audio.devices import rescan_devices
        from assistant.audio.errors import AudioError
        from assistant.audio.microphone import MicrophoneSource

        said: str | None = None
        while True:
            try:
                rescan_devices()
                mic = MicrophoneSource(self.settings.device, block_ms=MIC_BLOCK_MS)
            except AudioError as exc:
                if str(exc) != said:
                    log(f"no microphone: {exc}; waiting for one to be plugged in")
                    said = str(exc)
                time.sleep(RETRY_S)
                continue
            if said is not None:
                log("microphone back")
            try:
                self._lock_microphone(mic.device.name)
            except BaseException:
                mic.close()
                raise
            self._open_mouth()
            if self.state is not None:
                self.state.update(microphone=mic.device.name, speaker=getattr(getattr(self.mouth, "device", None),
                                                                              "name", None))
            return mic

    def _lock_microphone(self, device_name: str) -> None:
        """One serve per microphone (raises AlreadyRunning); the lock follows the microphone on a reopen."""
        from assistant.serve.state import MicrophoneLock, microphone_key

        if self._mic_lock is not None and self._mic_lock.key == microphone_key(device_name):
            return
        self._release_microphone()
        try:
            self._mic_lock = MicrophoneLock(device_name, self.settings.data_dir)
        except OSError as exc:  # no private runtime folder: listen anyway, unguarded
            log(f"cannot lock the microphone ({exc}); not checking for another serve on it")

    def _release_microphone(self) -> None:
        if self._mic_lock is not None:
            self._mic_lock.release()
            self._mic_lock = None

    def _open_mouth(self) -> None:
        from assistant.voice.io import quiet_speaker_echo
        from assistant.voice.mouth import open_mouth

        old = getattr(self.mouth, "cache", None)
        if old is not None:
            old.stop()  # a reopened speaker prepares afresh (what is on disk stays)
        self.mouth = open_mouth(self.settings, self.lang, echo=quiet_speaker_echo(), notice=log)

    # -- the loop -----------------------------------------------------------------
    def run(self) -> int:
        """Listen until stopped; return the exit status."""
        import threading

        old = {}
        if threading.current_thread() is threading.main_thread():  # only the main thread may take signals
            old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
            if self.catch_signals_aside:
                # threads started before this point (the recognisers' own) do not block the signals: a
                # SIGHUP delivered to one of them must not take the default action (terminate)
                old[signal.SIGHUP] = signal.signal(signal.SIGHUP, lambda _s, _f: self._hung_up())
                catch_signals_aside(self._hung_up, _force_exit)
        log(f"listening for the wake word {self.detector.model.phrase!r} (model {self.detector.name})")
        try:
            while True:
                mic = self._open_mic()
                with mic:
                    if self._listen(mic) == "done":
                        return 0
                log("reopening the sound devices")
        except Stopping as why:
            log(f"stopped ({why})")
            return 0
        except AlreadyRunning as exc:
            log(str(exc))
            return 1
        finally:
            self._release_microphone()
            for s, handler in old.items():
                signal.signal(s, handler)

    def _listen(self, mic: Any) -> str:
        """Wait for the wake word on an open microphone; "reopen" when the devices must be opened again."""
        from assistant.audio.errors import AudioDeviceLost
        from assistant.wake.detector import BLOCK

        self.detector.reset()
        try:
            while True:
                block = mic.read(BLOCK, timeout=1.0)
                if block is None:
                    return "reopen"
                if not block or not self.detector.feed(block):
                    continue
                log(f"wake word heard ({self.detector.name})")
                if self.state is not None:
                    self.state.woke()
                lost = self._checkin(mic)
                self.checkins += 1
                if self.once:
                    return "done"
                if lost or getattr(self.mouth, "failed", None):
                    return "reopen"
                mic.flush()
                self.detector.reset()
        except AudioDeviceLost as exc:
            log(f"microphone lost: {exc}; waiting for it to come back")
            return "reopen"

    def _chime(self, mic: Any, kind: str) -> None:
        from assistant.audio.earcons import play_earcon

        if self.settings.earcons != "off":
            play_earcon(self.mouth, mic, kind)  # type: ignore[arg-type]

    def _checkin(self, mic: Any) -> bool:
        """One check-in after the wake word; True when the devices must be reopened (lost, or a crash)."""
        self._chime(mic, "start")
        for _ in range(MAX_RESTARTS):
            lost = self._one_conversation(mic)
            if lost is not None:
                self._chime(mic, "stop")
                return lost
        return False

    def _one_conversation(self, mic: Any) -> bool | None:
        """Run a conversation to its end and save it; None when the person asked to start again."""
        from assistant.dialog.runner import run_checkin
        from assistant.dialog.saving import CheckInSaver, start_conversation
        from assistant.serve.ear import RestartCheckIn, ServeEar, WakeOverSpeech, WakeTap, start_again_phrases
        from assistant.speech.tts import PrintMouth
        from assistant.voice.io import VoiceEar, VoiceMouth

        lost: list[str] = []
        conv, store = start_conversation(self.lang, self.settings, use_history=True, source="voice")
        saver = CheckInSaver(self.lang, store, source="voice")
        tap = WakeTap(mic, self.detector, on_wake=lambda: log("wake word heard during a check-in"))
        mouth = VoiceMouth(WakeOverSpeech(self.mouth, mic, tap), mic, self.talk,
                           speaks=not isinstance(self.mouth, PrintMouth))
        before = (lambda: self._chime(mic, "start")) if self.settings.earcons == "all" else None
        voice = VoiceEar(self.lang, self.recognizer, tap, max_s=self.settings.max_answer_s,
                         silence_timeout_s=self.settings.silence_timeout_s, out=self.talk,
                         on_audio_lost=lost.append, extra_phrases=start_again_phrases(self.lang),
                         before_listening=before)
        ear = ServeEar(voice, tap, mouth, self.lang)
        try:
            result = run_checkin(conv, ear, mouth, on_decided=lambda r: self._decided(saver, r))
        except RestartCheckIn:
            log("the person asked to start again")
            mouth.say(self.lang.lines["serve_start_again"])
            return None
        except Stopping:
            self._save_partial(conv, saver)
            raise
        except Exception as exc:  # noqa: BLE001 - one bad check-in must not end the service
            log(f"the check-in failed ({type(exc).__name__}: {exc}); reopening the devices and listening again")
            self._save_partial(conv, saver)
            return True  # the devices may be in a bad state: open them afresh
        record, note = saver.save(result)  # saved already when the verdict was decided
        log(f"check-in finished: {record['level']}" + (f" ({note})" if note else ""))
        if lost:
            log(f"microphone lost during the check-in: {lost[0]}")
        return bool(lost)

    @staticmethod
    def _decided(saver: Any, result: Any) -> None:
        """The verdict is decided: save it now, before the minute it takes to read it aloud."""
        _record, note = saver.save(result)
        log(f"verdict decided: {result.verdict.level}; " + (f"not saved: {note}" if note else "saved"))

    def _save_partial(self, conv: Any, saver: Any) -> None:
        """Save what an interrupted check-in learned (never raises: we are already handling a fault)."""
        try:
            if saver.saved is not None:
                return  # decided and saved before the read-back was interrupted
            if not conv.finished:
                conv.hear(None)
            if conv.result is not None:
                saver.save(conv.result)
                log(f"partial check-in saved ({len([v for v in conv.result.slots.values() if v is not None])} "
                    "answers)")
        except Exception as exc:  # noqa: BLE001
            log(f"could not save the partial check-in: {type(exc).__name__}: {exc}")


def _force_exit() -> None:
    log(f"the sound system did not let go within {STOP_GRACE_S:.0f} s of the stop signal; leaving now")
    os._exit(0)


def _take_data_dir(settings: Settings) -> tuple[Any | None, int | None]:
    """The data folder made private and its lock taken: (lock, None), or (None, exit status) when serve must not run.

    A folder that cannot be written (an SD card remounted read-only, a full disk) does not stop serve:
    it says so once and listens anyway, without saving, rather than leave the device deaf.
    """
    from assistant.datadir import DataDirError, make_private
    from assistant.history.store import folder_problem
    from assistant.serve.state import AlreadyRunning, ServeLock

    try:
        note = make_private(settings.data_dir)
    except DataDirError as exc:
        log(str(exc))
        return None, EXIT_CONFIG
    if note:
        log(note)
    try:
        return ServeLock(settings.data_dir), None
    except AlreadyRunning as exc:
        log(str(exc))
        return None, 1
    except OSError as exc:
        problem = folder_problem(settings.data_dir)
        if problem is None:
            log(f"cannot use the data folder {settings.data_dir}: {exc.strerror or exc}; fix its permissions "
                "or choose another with --data-dir")
            return None, EXIT_CONFIG
        fix = "free some space" if problem == "full" else "check the SD card (dmesg), then reboot"
        log(f"the data folder {settings.data_dir} is {problem}: check-ins cannot be saved until it is fixed "
            f"({fix}); listening anyway")
        return None, None


def serve_command(lang: Language, settings: Settings, *, once: bool = False) -> int:
    """`backcheck serve`: take the locks, load the wake word and recogniser, then listen for ever."""
    from assistant.serve.state import ServeState
    from assistant.voice.engine import open_recognizer
    from assistant.wake.detector import WakeDetector, WakeWordError

    os.umask(0o077)  # everything serve writes is private, like the history: state, lock, log
    lock, status = _take_data_dir(settings)
    if status is not None:
        return status
    try:
        try:
            detector = WakeDetector(settings.wake_word)
        except WakeWordError as exc:
            log(str(exc))
            return EXIT_CONFIG
        # a damaged Vosk model must not stop serve: it is proved in a child process, and serve falls back
        recognizer = open_recognizer(settings, lang, fallback=True, prove_loads=True)
        if recognizer is None:
            return EXIT_CONFIG
        state = ServeState(settings.data_dir, wake_word=settings.wake_word, microphone=None, speaker=None)
        serve = Serve(lang, settings, detector, recognizer, once=once, state=state, catch_signals_aside=True)
        return serve.run()
    finally:
        if lock is not None:
            lock.release()
