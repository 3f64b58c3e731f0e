"""Lesson 4, torch.optim: the optimizer race (`race`), paths on 2-D surfaces (`surfaces`), six points (`six_points`)."""
