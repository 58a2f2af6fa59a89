"""Data: Dataset protocol, TensorDataset, DataLoader, bundled/synthetic datasets.

Everything here is offline: `digits()` reads scikit-learn's bundled 8x8 digits, the rest is
generated in-process from a seed.
"""

from .audio import MulawSines, dominant_frequency, mulaw_decode, mulaw_encode, mulaw_sines
from .bouncing_ball import bouncing_ball
from .captions import CAPTION_VOCAB, TwoDigitCaptions, two_digit_captions
from .char_corpus import char_batches, char_windows, decode_chars, encode_chars, toy_grammar
from .copy_task import copy_sequences
from .datasets import digits
from .distributed_sampler import DistributedSampler
from .fluid import divergence_fields, jacobi, laplacian, residual_ratio, solve_pressure
from .genomics import DnaMotifs, dna_motifs, motif_log_odds, motif_pwm, one_hot_dna
from .label_noise import noisy_labels
from .loader import DataLoader, Dataset, TensorDataset
from .manifold import noisy_plane
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
from .symbolic import markov_chain, markov_samples, tree_grammar
from .synthetic import line_points, plane_points
from .synthetic_images import gomoku_boards, shifted_digits
from .teacher import teacher_scores, teacher_student, teacher_weights
from .text import NumWords, decode_tokens, english_words, numwords_en_es, spanish_words
from .topics import TopicCorpus, skipgram_pairs, topic_corpus

__all__ = [
    "Dataset",
    "TensorDataset",
    "DataLoader",
    "DistributedSampler",
    "digits",
    "line_points",
    "plane_points",
    "noisy_plane",
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
    "copy_sequences",
    "sort_floats",
    "toy_grammar",
    "encode_chars",
    "decode_chars",
    "char_windows",
    "char_batches",
    "bouncing_ball",
    "markov_chain",
    "markov_samples",
    "tree_grammar",
    "teacher_student",
    "teacher_weights",
    "teacher_scores",
    "TopicCorpus",
    "topic_corpus",
    "skipgram_pairs",
    "random_quadratics",
]
