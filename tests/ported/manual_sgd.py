"""Ported program: linear regression from scratch with raw tensors (the first PyTorch tutorial).

Exercises: leaf tensors with requires_grad=True, the in-place update
`with torch.no_grad(): w -= lr * w.grad` followed by `w.grad.zero_()`, matmul with `@`,
x.t(), broadcasting of a bias, .item() on the loss, .detach().numpy() at the end.
"""

import numpy as np
import torch

rng = np.random.default_rng(11)
X = torch.tensor(rng.standard_normal((50, 3)), dtype=torch.float32)
true_w = torch.tensor([[2.0], [-3.0], [0.5]])
y = X @ true_w + 1.0 + 0.05 * torch.tensor(rng.standard_normal((50, 1)), dtype=torch.float32)

w = torch.zeros(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1
losses = []
for _epoch in range(100):
    pred = X @ w + b
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    losses.append(loss.item())

gram = (X.t() @ X).detach().numpy()
results = {
    "w": w.detach().numpy().reshape(-1).tolist(),
    "b": b.item(),
    "loss_first_last": [losses[0], losses[-1]],
    "w_is_leaf": w.is_leaf,
    "w_requires_grad": w.requires_grad,
    "gram_trace": float(np.trace(gram)),
}
print(results)
