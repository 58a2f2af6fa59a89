"""A float64 numpy reference of conv2d (NCHW, torch's cross-correlation) and its two gradients,
for the kernel tests. padding is (top, bottom, left, right), as in the kernel contract."""

import numpy as np


def out_size(h, w, r, s, stride, padding, dilation):
    ho = (h + padding[0] + padding[1] - dilation[0] * (r - 1) - 1) // stride[0] + 1
    wo = (w + padding[2] + padding[3] - dilation[1] * (s - 1) - 1) // stride[1] + 1
    return ho, wo


def _windows(ho, wo, r, s, stride, dilation):
    """(i, j, row slice, column slice) of the padded input read by kernel tap (i, j)."""
    for i in range(r):
        for j in range(s):
            rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (ho - 1) + 1, stride[0])
            cols = slice(j * dilation[1], j * dilation[1] + stride[1] * (wo - 1) + 1, stride[1])
            yield i, j, rows, cols


def _padded(x, padding):
    t, b, left, right = padding
    return np.pad(np.asarray(x, np.float64), ((0, 0), (0, 0), (t, b), (left, right)))


def _padded_hw(h, w, padding):
    return h + padding[0] + padding[1], w + padding[2] + padding[3]


def forward(x, w, bias, stride, padding, dilation, groups, relu=False):
    n, _, h, wd = x.shape
    k, cg, r, s = w.shape
    ho, wo = out_size(h, wd, r, s, stride, padding, dilation)
    xp = _padded(x, padding).reshape(n, groups, cg, *_padded_hw(h, wd, padding))
    wg = np.asarray(w, np.float64).reshape(groups, k // groups, cg, r, s)
    y = np.zeros((n, groups, k // groups, ho, wo))
    for i, j, rows, cols in _windows(ho, wo, r, s, stride, dilation):
        y += np.einsum("ngchw,gkc->ngkhw", xp[:, :, :, rows, cols], wg[:, :, :, i, j])
    y = y.reshape(n, k, ho, wo)
    if bias is not None:
        y += np.asarray(bias, np.float64)[None, :, None, None]
    return np.maximum(y, 0) if relu else y


def backward_input(dy, w, x_shape, stride, padding, dilation, groups):
    n, c, h, wd = x_shape
    k, cg, r, s = w.shape
    ho, wo = dy.shape[2:]
    dxp = np.zeros((n, groups, cg, h + padding[0] + padding[1], wd + padding[2] + padding[3]))
    dyg = np.asarray(dy, np.float64).reshape(n, groups, k // groups, ho, wo)
    wg = np.asarray(w, np.float64).reshape(groups, k // groups, cg, r, s)
    for i, j, rows, cols in _windows(ho, wo, r, s, stride, dilation):
        dxp[:, :, :, rows, cols] += np.einsum("ngkhw,gkc->ngchw", dyg, wg[:, :, :, i, j])
    dxp = dxp.reshape(n, c, dxp.shape[3], dxp.shape[4])
    return dxp[:, :, padding[0] : padding[0] + h, padding[2] : padding[2] + wd]


def backward_weight(dy, x, w_shape, stride, padding, dilation, groups):
    n, _, h, wd = x.shape
    k, cg, r, s = w_shape
    ho, wo = dy.shape[2:]
    xp = _padded(x, padding).reshape(n, groups, cg, *_padded_hw(h, wd, padding))
    dyg = np.asarray(dy, np.float64).reshape(n, groups, k // groups, ho, wo)
    dw = np.zeros((groups, k // groups, cg, r, s))
    for i, j, rows, cols in _windows(ho, wo, r, s, stride, dilation):
        dw[:, :, :, i, j] = np.einsum("ngkhw,ngchw->gkc", dyg, xp[:, :, :, rows, cols])
    return dw.reshape(k, cg, r, s), np.asarray(dy, np.float64).sum(axis=(0, 2, 3))
