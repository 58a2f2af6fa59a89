"""Ported program: a character-level bigram model trained from scratch (makemore style).

Exercises: building a vocabulary, torch.tensor(..., dtype=torch.long), F.one_hot(...).float(),
a raw weight tensor with requires_grad=True, logits.exp() / counts.sum(1, keepdims=True),
`probs[torch.arange(n), ys]` picking, the manual update `W.data += -lr * W.grad` and `W.grad = None`,
then greedy decoding with argmax and .item() indexing.
"""

import numpy as np
import torch
import torch.nn.functional as F

text = "hello world. the quick brown fox jumps over the lazy dog. hello there, world."
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
V = len(chars)

data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
xs, ys = data[:-1], data[1:]
n = xs.shape[0]

rng = np.random.default_rng(10)
W = torch.tensor(rng.standard_normal((V, V)), dtype=torch.float32, requires_grad=True)

losses = []
for _step in range(100):
    xenc = F.one_hot(xs, num_classes=V).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(n), ys].log().mean() + 0.01 * (W**2).mean()
    losses.append(loss.item())
    W.grad = None
    loss.backward()
    W.data += -10.0 * W.grad

out, ix = [], stoi["h"]
for _ in range(12):
    ix = W[ix].argmax().item()
    out.append(itos[ix])

results = {
    "vocab": V,
    "loss_first_last": [losses[0], losses[-1]],
    "greedy": "".join(out),
    "W_sum": W.sum().item(),
}
print(results)
