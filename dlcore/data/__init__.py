"""Data: Dataset protocol, TensorDataset, DataLoader, bundled/synthetic datasets.

Everything here is offline: `digits()` reads scikit-learn's bundled 8x8 digits, the rest is
generated in-process from a seed.
"""

from .audio import MulawSines, dominant_frequency, mulaw_decode, mulaw_encode, mulaw_sines
from .bouncing_ball import bouncing_ball
from .captions import CAPTION_VOCAB, TwoDigitCaptions, two_digit_captions
from .char_corpus import char_batches, char_windows, decode_chars, encode_chars, toy_grammar
from .datasets import digits
from .fluid import divergence_fields, jacobi, laplacian, residual_ratio, solve_pressure
from .genomics import DnaMotifs, dna_motifs, motif_log_odds, motif_pwm, one_hot_dna
from .label_noise import noisy_labels
from .loader import DataLoader, Dataset, TensorDataset
from .quadratics import random_quadratics
from .seq_tasks import reverse_sequences, sort_floats
from .sequences import (
    CtcSpeech,
    ctc_speech,
    edit_distance,
    first_symbol_recall,
    mod3_counter,
    running_count_mod,
    running_parity,
    speech_prototypes,
)
from .synthetic import line_points, plane_points
from .synthetic_images import gomoku_boards, shifted_digits
from .text import NumWords, decode_tokens, english_words, numwords_en_es, spanish_words

__all__ = [
    "Dataset",
    "TensorDataset",
    "DataLoader",
    "digits",
    "line_points",
    "plane_points",
    "noisy_labels",
    "DnaMotifs",
    "dna_motifs",
    "motif_pwm",
    "motif_log_odds",
    "one_hot_dna",
    "MulawSines",
    "mulaw_sines",
    "mulaw_encode",
    "mulaw_decode",
    "dominant_frequency",
    "divergence_fields",
    "laplacian",
    "jacobi",
    "solve_pressure",
    "residual_ratio",
    "shifted_digits",
    "gomoku_boards",
    "first_symbol_recall",
    "running_count_mod",
    "running_parity",
    "mod3_counter",
    "CtcSpeech",
    "ctc_speech",
    "speech_prototypes",
    "edit_distance",
    "NumWords",
    "numwords_en_es",
    "english_words",
    "spanish_words",
    "decode_tokens",
    "TwoDigitCaptions",
    "CAPTION_VOCAB",
    "two_digit_captions",
    "reverse_sequences",
    "sort_floats",
    "toy_grammar",
    "encode_chars",
    "decode_chars",
    "char_windows",
    "char_batches",
    "bouncing_ball",
    "random_quadratics",
]
