from ._fpq import *
