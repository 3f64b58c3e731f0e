"""Softmax regression and a one-hidden-layer MLP, each "from scratch" (hand-written forward and backward) and
"concise" (torch.nn + autograd). Every model offers `loss_and_grads(X, y)`: it leaves dL/dparam in param.grad and
returns (loss, logits), so one training loop serves them all.
"""

import torch
import torch.nn.functional as F
from torch import nn

# ---- activations and their derivatives, by hand ---------------------------------------------------------

def relu(Z):
    return Z.clamp(min=0)


def relu_grad(Z):
    return Z.sign().clamp(min=0)  # 1 where Z > 0, else 0 (cheaper than comparing and converting the mask)


def sigmoid(Z):
    return 1 / (1 + torch.exp(-Z))


def sigmoid_grad(Z):
    s = sigmoid(Z)
    return s * (1 - s)


def tanh(Z):
    return 2 * sigmoid(2 * Z) - 1  # = (e^Z - e^-Z) / (e^Z + e^-Z), without overflowing for large |Z|


def tanh_grad(Z):
    return 1 - tanh(Z) ** 2


ACTIVATIONS = {"relu": (relu, relu_grad), "sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad)}
NN_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


# ---- softmax and cross-entropy, by hand ------------------------------------------------------------------

def naive_softmax(O):
    """exp(O) / sum(exp(O)): the textbook formula, which overflows for logits above about 88 in float32."""
    E = torch.exp(O)
    return E / E.sum(dim=1, keepdim=True)


def softmax(O):
    """The same function, computed safely: subtracting each row's max changes nothing mathematically."""
    E = torch.exp(O - O.max(dim=1, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)


def cross_entropy(P, y):
    """Mean of -log(probability given to the true class)."""
    return -torch.log(P[torch.arange(len(y)), y]).mean()


def softmax_cross_entropy_grad(P, y):
    """dL/dO for L = cross_entropy(softmax(O), y): (P - one_hot(y)) / n. The exps cancel out."""
    dO = P.clone()
    dO[torch.arange(len(y)), y] -= 1
    return dO / len(y)


# ---- from scratch -----------------------------------------------------------------------------------------

class SoftmaxScratch:
    """O = X @ W + b; probabilities softmax(O). Gradients written out by hand."""

    def __init__(self, W, b):
        self.W, self.b = W, b  # (784, 10), (10,)

    def parameters(self):
        return [self.W, self.b]

    def __call__(self, X):
        return X @ self.W + self.b  # (n, 10) logits

    def loss_and_grads(self, X, y):
        O = self(X)
        P = softmax(O)
        dO = softmax_cross_entropy_grad(P, y)  # (n, 10)
        self.W.grad = X.T @ dO  # (784, 10)
        self.b.grad = dO.sum(dim=0)  # (10,)
        return cross_entropy(P, y), O


class MLPScratch:
    """H = act(X @ W1 + b1); O = H @ W2 + b2. Backward pass written out by hand, as in the first lesson."""

    def __init__(self, W1, b1, W2, b2, activation: str = "relu"):
        self.W1, self.b1, self.W2, self.b2 = W1, b1, W2, b2  # (784, h), (h,), (h, 10), (10,)
        self.act, self.act_grad = ACTIVATIONS[activation]

    def parameters(self):
        return [self.W1, self.b1, self.W2, self.b2]

    def __call__(self, X):
        return self.act(X @ self.W1 + self.b1) @ self.W2 + self.b2

    def loss_and_grads(self, X, y):
        Z1 = X @ self.W1 + self.b1  # (n, h)
        H = self.act(Z1)  # (n, h)
        O = H @ self.W2 + self.b2  # (n, 10)
        P = softmax(O)
        dO = softmax_cross_entropy_grad(P, y)  # (n, 10)
        self.W2.grad = H.T @ dO  # (h, 10)
        self.b2.grad = dO.sum(dim=0)
        dZ1 = (dO @ self.W2.T) * self.act_grad(Z1)  # (n, h): back through W2, then the activation
        self.W1.grad = X.T @ dZ1  # (784, h)
        self.b1.grad = dZ1.sum(dim=0)
        return cross_entropy(P, y), O


# ---- concise ----------------------------------------------------------------------------------------------

class Concise(nn.Module):
    """Any nn.Module classifier trained with F.cross_entropy, which fuses log-softmax and the loss."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, X):
        return self.net(X)

    def loss_and_grads(self, X, y):
        self.zero_grad()  # backward() adds into .grad, so clear the last batch's first
        O = self(X)
        loss = F.cross_entropy(O, y)
        loss.backward()
        return loss.detach(), O.detach()


# ---- building both versions from one set of numbers -------------------------------------------------------

def init_weights(sizes: list[int], seed: int, device: torch.device | str, std: float = 0.01) -> list[torch.Tensor]:
    """Weights drawn from N(0, std^2) and zero biases, layer by layer, from one seeded generator on the CPU."""
    g = torch.Generator().manual_seed(seed)
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        params += [torch.randn(fan_in, fan_out, generator=g) * std, torch.zeros(fan_out)]
    return [p.to(device) for p in params]


def softmax_regression(version: str, seed: int = 0, device: torch.device | str = "cpu"):
    """The scratch or concise softmax regression, both starting from the same weights."""
    W, b = init_weights([784, 10], seed, device)
    if version == "scratch":
        return SoftmaxScratch(W, b)
    net = nn.Linear(784, 10).to(device)
    with torch.no_grad():
        net.weight.copy_(W.T)  # nn.Linear stores (out, in)
        net.bias.copy_(b)
    return Concise(net)


def mlp(version: str, num_hiddens: int = 256, activation: str = "relu", seed: int = 0,
        device: torch.device | str = "cpu"):
    """The scratch or concise MLP 784 -> num_hiddens -> 10, both starting from the same weights."""
    W1, b1, W2, b2 = init_weights([784, num_hiddens, 10], seed, device)
    if version == "scratch":
        return MLPScratch(W1, b1, W2, b2, activation)
    net = nn.Sequential(nn.Linear(784, num_hiddens), NN_ACTIVATIONS[activation](), nn.Linear(num_hiddens, 10))
    net.to(device)
    with torch.no_grad():
        for layer, (W, b) in zip((net[0], net[2]), ((W1, b1), (W2, b2))):
            layer.weight.copy_(W.T)
            layer.bias.copy_(b)
    return Concise(net)
