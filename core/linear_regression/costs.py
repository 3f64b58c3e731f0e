"""Lesson 5's cost model: the arithmetic and the steps of each of its runs, for the estimate before it starts."""

from core.costs import Work


def regression_training(version: str, num_examples: int, batch_size: int, num_epochs: int) -> Work:
    """Lesson 5's linear regression: a few multiply-adds per example, so its cost is per step. The concise version
    costs about 1.5 times the hand-written one per step (nn.Module and optimizer calls), and its DataLoader fetches
    the examples one at a time (about a fortieth of a step each): at batch size 1000 that is most of its time."""
    batches = -(-num_examples // batch_size) * num_epochs
    flops = 2 * 3 * 3 * num_examples * num_epochs  # 2 weights and a bias: forward, backward, whole-set loss
    if version == "concise":
        return Work(2 * flops, 3 * batches // 2 + num_examples * num_epochs // 40)
    return Work(flops, batches)
