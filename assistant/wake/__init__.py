"""Wake word detection: hearing "alexa" (or another microWakeWord model) in a stream of audio."""
from assistant.wake.detector import (DEFAULT_WAKE_WORD, WAKE_WORDS, WakeDetector, WakeWordError, detect_in_samples,
                                     wake_model)

__all__ = ["DEFAULT_WAKE_WORD", "WAKE_WORDS", "WakeDetector", "WakeWordError", "detect_in_samples", "wake_model"]
