"""Lesson 1, backprop by hand in NumPy: the network (`network`) and the check of its gradients (`gradcheck`)."""
