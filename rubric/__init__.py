"""The rubric: criteria, level texts, weights and suggestion rules as data, and the per-language lexicons.

The ground floor of egov-survey: it imports nothing of ours. The crawler reads the lexicons to steer its
frontier; the checks read the lexicons and the suggestion rules; reports print the level texts.
"""

from rubric.lexicons import Lexicon, Lexicons, load_lexicons
from rubric.model import CORE_CRITERIA, DEFAULT_RUBRIC, Criterion, Rubric, load_rubric
from rubric.yamlfile import InputError, Problem

__all__ = [
    "CORE_CRITERIA", "DEFAULT_RUBRIC", "Criterion", "InputError", "Lexicon", "Lexicons", "Problem", "Rubric",
    "load_lexicons", "load_rubric",
]
