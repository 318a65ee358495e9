"""Which language the user asked for, and whether a value is written in it.

The wanted language comes from the context text when it names one ("a Spanish hospital", "auf Deutsch"),
else from the job's locale. A value is judged only when it has words enough to tell (two or more), and only
against English, the language a small model drifts into: py3langid's naive-Bayes scores of the two are
compared, so one foreign loanword does not condemn a value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

#: Words in a context that name a language, to its ISO 639-1 code.
_NAMED = {
    "de": ("german", "deutsch", "germany", "austria", "austrian", "alemán", "allemand"),
    "es": ("spanish", "español", "espanol", "spain", "mexican", "mexico", "castellano", "argentin"),
    "fr": ("french", "français", "francais", "france", "québec"),
    "it": ("italian", "italiano", "italy", "italia"),
    "pt": ("portuguese", "português", "portugues", "portugal", "brazil", "brasil"),
    "nl": ("dutch", "nederlands", "netherlands", "holland"),
    "pl": ("polish", "polski", "poland"),
    "sv": ("swedish", "svenska", "sweden"),
    "ru": ("russian", "русск", "russia"),
    "ja": ("japanese", "日本", "japan"),
    "zh": ("chinese", "中文", "china"),
    "en": ("english", "england", "british", "american"),
}
_WORD = re.compile(r"[^\W\d_]{3,}")
#: How much likelier (natural log) English must score than the wanted language before a value is refused.
_ENGLISH_MARGIN = 2.0
_LATIN_LANGUAGES = frozenset({"de", "es", "fr", "it", "pt", "nl", "pl", "sv", "en"})
_NON_LATIN = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def wanted_language(context: str, locale: str) -> str:
    """The ISO 639-1 code of the language values should be in."""
    lowered = context.lower()
    for code, words in _NAMED.items():
        if any(re.search(rf"(?<!\w){re.escape(word)}", lowered) for word in words):
            return code
    return locale.split("_", 1)[0].lower()


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)


def language_problem(text: str, wanted: str) -> str | None:
    """Why `text` is not in the `wanted` language (None: it is, or it is too short to tell)."""
    if wanted in _LATIN_LANGUAGES and _NON_LATIN.search(text):
        return f"is not in the requested language ({wanted})"
    if wanted == "en" or len(_WORD.findall(text)) < 2:
        return None
    scores = dict(_identifier().rank(text))
    if wanted not in scores:
        return None
    if scores["en"] - scores[wanted] >= _ENGLISH_MARGIN:
        return f"is in English, not in the requested language ({wanted})"
    return None


#: A batch of one-word values is judged as one text; per word, this much likelier English must score.
_BATCH_ENGLISH_MARGIN_PER_WORD = 1.2
#: Fewer one-word values than this say too little to judge them together.
_BATCH_MIN_WORDS = 4


def one_word_values_off_language(texts: Sequence[str], wanted: str) -> set[str]:
    """The one-word values of one answer that, read together, are English when another language is wanted.

    A single word is too short to judge alone ("Apple" could be a brand anywhere), but eight of them from one
    answer ("Apple", "Banana", "Cherry", … for a German shop) tell the language plainly. Loanwords a language
    shares with English ("Rock", "Jazz", "Pop") score close to even, and pass."""
    if wanted == "en" or wanted not in _LATIN_LANGUAGES:
        return set()
    words = [text for text in dict.fromkeys(texts) if len(_WORD.findall(text)) == 1 and len(text.split()) == 1]
    if len(words) < _BATCH_MIN_WORDS:
        return set()
    scores = dict(_identifier().rank(" ".join(words)))
    if wanted not in scores:
        return set()
    if (scores["en"] - scores[wanted]) / len(words) >= _BATCH_ENGLISH_MARGIN_PER_WORD:
        return set(words)
    return set()
