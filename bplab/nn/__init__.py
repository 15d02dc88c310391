"""bplab's reference layers: ``*_forward -> (out, cache)``, ``*_backward(dout, cache)``, losses.

One re-export line per module: each lesson appends its own line (hence the
file-wide ruff exemptions: the lines are neither sorted nor short).
"""
# ruff: noqa: I001, F401, E501

from bplab.nn.linear import linear_forward, linear_backward  # lesson 02
from bplab.nn.activations import relu_forward, relu_backward, sigmoid_forward, sigmoid_backward, tanh_forward, tanh_backward, leaky_relu_forward, leaky_relu_backward  # lesson 02
from bplab.nn.losses import softmax_cross_entropy, bce_with_logits, mse_loss, mae_loss  # lesson 02
from bplab.nn.dropout import dropout_forward, dropout_backward  # lesson 05
from bplab.nn.batchnorm import batchnorm_forward, batchnorm_backward  # lesson 05
from bplab.nn.layers import Linear, ReLU, Sigmoid, Tanh, LeakyReLU, Sequential, mlp  # lesson 02
from bplab.nn.rnn import rnn_step_forward, rnn_step_backward, rnn_forward, rnn_backward  # lesson 03
from bplab.nn.conv import conv2d_forward, conv2d_backward, maxpool2d_forward, maxpool2d_backward  # lesson 07
from bplab.nn.losses import huber_loss  # lesson 02 (regression with outliers)
from bplab.nn.lstm import lstm_step_forward, lstm_step_backward, lstm_forward, lstm_backward  # lesson 08
