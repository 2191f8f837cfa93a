"""Ratings of strategies: stored as JSON Lines, turned into scores that order plans."""

from service.feedback.log import FeedbackLog, FeedbackUnavailable
from service.feedback.scores import PRIOR_DESCRIPTION, FeedbackScores, rating_value

__all__ = [
    "PRIOR_DESCRIPTION",
    "FeedbackLog",
    "FeedbackScores",
    "FeedbackUnavailable",
    "rating_value",
]
