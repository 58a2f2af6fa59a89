"""dlcore.models: small reference networks built from dlcore.nn (PyTorch names and weight layouts).

One file per model family; each model is a plain nn.Module whose state_dict loads into the torch
module of the same structure.
"""

from .all_conv import AllConvNet
from .captioner import Captioner
from .char_lm import CharLM
from .interpret import activation_maximization, saliency
from .ntm import NTM
from .pointer import PointerNet
from .progressive import ProgressiveNet
from .rbm import BernoulliRBM
from .resnet import ResNet
from .seq2seq import Seq2Seq
from .skipgram import SkipGram, nearest_neighbors
from .small_cnn import SmallCNN
from .vae import VAE, CategoricalVAE
from .wavenet import CausalConv1d, WaveNet, WaveNetBlock

__all__ = [
    "SmallCNN",
    "AllConvNet",
    "ResNet",
    "CausalConv1d",
    "WaveNet",
    "WaveNetBlock",
    "Seq2Seq",
    "Captioner",
    "PointerNet",
    "ProgressiveNet",
    "CharLM",
    "BernoulliRBM",
    "VAE",
    "CategoricalVAE",
    "NTM",
    "SkipGram",
    "nearest_neighbors",
    "saliency",
    "activation_maximization",
]
