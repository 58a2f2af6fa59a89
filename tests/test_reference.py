"""dlcore.reference's dispatcher: optimizer_ref runs the named optimizer's update with torch's
defaults (AdamW's weight_decay 1e-2) and rejects a name it has no reference for."""

import numpy as np
import pytest

from dlcore import reference as ref


def test_optimizer_ref_adamw_is_decoupled_adam_with_torch_default_decay():
    rng = np.random.default_rng(0)
    p0, g = rng.standard_normal(17), rng.standard_normal(17)
    got, want = p0.copy(), p0.copy()
    ref.optimizer_ref("AdamW", got, g, {}, lr=0.1)
    ref.adam_ref(want, g, {}, lr=0.1, weight_decay=1e-2, decoupled=True)
    np.testing.assert_array_equal(got, want)
    plain = p0.copy()
    ref.optimizer_ref("Adam", plain, g, {}, lr=0.1)
    assert not np.array_equal(plain, got)


def test_optimizer_ref_unknown_name():
    p = np.zeros(3)
    with pytest.raises(ValueError, match="'Lion'"):
        ref.optimizer_ref("Lion", p, np.ones(3), {}, lr=0.1)
    assert not p.any()
