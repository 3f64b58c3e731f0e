"""The glossary: English ↔ 中文 terms, as the Chinese edition of d2l.ai and the seed tutorials write them.

Which lessons use a term is read from the lessons' English prose, so the list beside each lesson is true by
construction; a test checks that the Chinese prose of those lessons uses the Chinese term.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from core.i18n import N_

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"


@dataclass(frozen=True)
class Term:
    english: str
    chinese: str
    meaning: str  # one line, in English (translated where shown)
    also: tuple[str, ...] = ()  # other English spellings that count as a use of the term
    chinese_also: tuple[str, ...] = ()  # other Chinese forms the prose may use

    @property
    def anchor(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.english.lower()).strip("-")

    def used_in(self, text: str) -> bool:
        """Whether English `text` uses the term (whole words, any case, plural too)."""
        return any(re.search(rf"\b{re.escape(w)}(s|es)?\b", text, re.I) for w in (self.english, *self.also))

    def chinese_in(self, text: str) -> bool:
        return any(w in text for w in (self.chinese, *self.chinese_also))


TERMS = (
    Term("neural network", "神经网络", N_("A function built from layers of weighted sums and activations, whose "
                                          "weights are learned from data.")),
    Term("layer", "层", N_("One stage of a network: a weighted sum of its inputs, often followed by an "
                          "activation.")),
    Term("hidden layer", "隐藏层", N_("A layer between the input and the output, whose values the data never "
                                     "shows directly."), also=("hidden unit",), chinese_also=("隐藏单元",)),
    Term("weight", "权重", N_("A learned number that scales an input in a weighted sum.")),
    Term("bias", "偏置", N_("A learned number added to a weighted sum, so that it need not pass through 0.")),
    Term("activation function", "激活函数", N_("The non-linear function applied after a weighted sum, such as "
                                               "ReLU or sigmoid."), also=("activation",)),
    Term("forward pass", "前向传播", N_("Computing the network's output and the loss from the input, layer by "
                                       "layer.")),
    Term("backpropagation", "反向传播", N_("Computing the loss's gradient with respect to every weight by the "
                                          "chain rule, from the output back to the input."),
         also=("backprop", "backward pass")),
    Term("gradient", "梯度", N_("The vector of partial derivatives of the loss with respect to the weights: the "
                               "direction in which the loss grows fastest.")),
    Term("chain rule", "链式法则", N_("The derivative of a composition is the product of the derivatives of its "
                                     "parts.")),
    Term("loss", "损失", N_("One number that says how wrong the predictions are; training makes it small.")),
    Term("mean squared error", "均方误差", N_("The average of the squared differences between predictions and "
                                             "targets."), also=("squared error",), chinese_also=("平方误差",)),
    Term("cross-entropy", "交叉熵", N_("The loss of a classifier: minus the log of the probability it gives the "
                                      "true class.")),
    Term("softmax", "softmax", N_("Turns a vector of scores into probabilities: exponentiate, then divide by the "
                                   "sum.")),
    Term("learning rate", "学习率", N_("How far each update moves the weights along minus the gradient.")),
    Term("stochastic gradient descent", "随机梯度下降", N_("Updating the weights with the gradient of a random "
                                                          "minibatch instead of the whole data set."),
         also=("SGD",), chinese_also=("SGD",)),
    Term("minibatch", "小批量", N_("The few examples one update learns from."), also=("batch",),
         chinese_also=("批量",)),
    Term("epoch", "轮", N_("One pass over the whole training set."), chinese_also=("迭代周期", "epoch")),
    Term("optimizer", "优化器", N_("The rule that turns gradients into weight updates: SGD, momentum, Adam…")),
    Term("momentum", "动量", N_("An update that keeps part of the previous step, so that it speeds up along a "
                               "steady direction.")),
    Term("tensor", "张量", N_("A multi-dimensional array that can live on a GPU and record how it was "
                             "computed.")),
    Term("autograd", "自动求导", N_("PyTorch's automatic differentiation: it records the operations and computes "
                                   "the gradients for you."), also=("automatic differentiation",),
         chinese_also=("autograd",)),
    Term("computational graph", "计算图", N_("The record of operations that produced a value, walked backwards to "
                                            "compute gradients."), also=("computation graph",)),
    Term("initialisation", "初始化", N_("How the weights are chosen before training starts."),
         also=("initialization", "initialise", "initialize")),
    Term("linear regression", "线性回归", N_("Predicting a number as a weighted sum of the inputs plus a "
                                            "bias.")),
    Term("softmax regression", "softmax 回归", N_("A linear classifier whose scores go through softmax; trained "
                                                  "with cross-entropy.")),
    Term("multilayer perceptron", "多层感知机", N_("A network of fully connected layers with activations between "
                                                  "them."), also=("MLP",), chinese_also=("MLP",)),
    Term("confusion matrix", "混淆矩阵", N_("A table counting, for each true class, how often each class was "
                                           "predicted.")),
    Term("accuracy", "准确率", N_("The fraction of examples classified correctly.")),
    Term("training set", "训练集", N_("The examples the weights are learned from."), also=("training data",),
         chinese_also=("训练数据",)),
    Term("test set", "测试集", N_("Examples kept apart from training, to measure how well the model "
                                 "generalises."), also=("test images",), chinese_also=("测试图像",)),
    Term("overflow", "上溢", N_("A number too large for its floating-point type; it becomes inf.")),
    Term("finite differences", "有限差分", N_("Estimating a derivative from the change in a function over a small "
                                             "step.")),
    Term("gradient check", "梯度检验", N_("Comparing hand-written gradients with a trusted reference.")),
    Term("diverge", "发散", N_("When the loss grows without limit instead of falling, often because the learning "
                              "rate is too large."), also=("diverged", "divergence")),
    Term("random seed", "随机种子", N_("The number that fixes every random choice, so that a run can be "
                                      "repeated exactly."), also=("seed",), chinese_also=("种子",)),
    Term("broadcasting", "广播", N_("Stretching an array along missing dimensions so that shapes match.")),
    Term("derivative", "导数", N_("How fast a function changes as its input changes."),
         also=("partial derivative",), chinese_also=("偏导数",)),
)


@functools.cache
def _english_prose(slug: str) -> str:
    return (LESSONS_DIR / f"{slug}.md").read_text(encoding="utf-8")  # read once, not per term and rerun


def lessons_using(term: Term, slugs: list[str]) -> list[str]:
    """The lessons whose English prose uses `term`."""
    return [slug for slug in slugs if term.used_in(_english_prose(slug))]
