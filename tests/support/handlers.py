"""Loads a function's app.py the way Lambda does, under the module name the local stack's driver uses."""

from local_stack.functions import load_function_module as load_handler

__all__ = ["load_handler"]
