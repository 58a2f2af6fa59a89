"""dlcore.optim: fused optimizers over flat parameter buffers, learning-rate schedules, and a learned
(meta-trained LSTM) optimizer."""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .eve import Eve
from .learned import LSTMOptimizer
from .learned_optimizer import LearnedOptimizer
from .meta_train import meta_train, quadratic_loss
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "Eve",
    "lr_scheduler",
    "LSTMOptimizer",
    "LearnedOptimizer",
    "meta_train",
    "quadratic_loss",
]
