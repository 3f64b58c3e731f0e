"""Lesson 2, tensors and autograd: the same network four ways (`ladder`) and live autograd experiments (`demos`)."""
