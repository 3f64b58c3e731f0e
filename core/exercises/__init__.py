"""'Write it yourself' exercises: the learner writes a missing piece, the sandbox runs it, autograd checks it."""

# Exercise ids per lesson slug, in the order a lesson shows them.
EXERCISES: dict[str, tuple[str, ...]] = {
    "backprop_numpy": ("numpy_backward",),
    "tensors_autograd": ("relu_backward",),
    "torch_nn": ("sgd_step",),
    "softmax_regression": ("softmax_grad",),
    "mlp": ("mlp_backward",),
}
