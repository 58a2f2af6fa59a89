"""Tour entries of the 1-D/2-D convnet demos (F31 dna-motifs, F36 wavenet, F39 fluid): quick forms
pass, and the read-outs they rest on are checked on known inputs."""

import numpy as np
import pytest

from dlcore.tour import registry, runner
from dlcore.tour.dna_motifs import best_kmer


@pytest.mark.parametrize("name", ["dna-motifs"])
def test_quick_entry_passes(name):
    rec = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    assert rec["passed"], rec
    assert all(rec["criteria"].values())


def test_best_kmer_reads_the_strongest_window():
    w = np.full((4, 12), -1.0)
    for j, b in enumerate("GATTACAC"):
        w["ACGT".index(b), j + 3] = 2.0
    w[0, 0] = 1.5  # a strong column outside the window does not move it
    assert best_kmer(w, 8) == "GATTACAC"
    assert best_kmer(w[:, 3:11], 8) == "GATTACAC"
