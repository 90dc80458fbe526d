#!/usr/bin/env bash
# The accuracy recipe (README, "Best accuracy recipe"): 784-1024-1024-10 with batch normalization
# before each ReLU, dropout 0.2 on the input and 0.5 after each hidden layer, SGD with momentum 0.9,
# lr 0.05 on a cosine schedule, L2 weight decay 5e-4 on the dense weights, batch 128, 80 epochs,
# trained on all 60,000 training images. Settings were chosen on a held-out sixth of the training set
# (--validation-split); the test set is only reported. Training is given the training files alone, so
# it never reads the test set (nor spends time on it after every epoch); `mlp evaluate` measures the
# written model at the end. SEED (default 1), EPOCHS and MODEL override.
# Ends with the line `test accuracy X`.
set -eu

mlp=${MLP:-.build/release/mlp}
seed=${SEED:-1}
epochs=${EPOCHS:-80}
model=${MODEL:-best.safetensors}

start=$(date +%s)
"$mlp" train --train-images data/mnist/train-images-idx3-ubyte.gz --train-labels data/mnist/train-labels-idx1-ubyte.gz \
    --layers dropout:0.2,1024,batchnorm,relu,dropout:0.5,1024,batchnorm,relu,dropout:0.5,10 \
    --optimizer sgd --momentum 0.9 --lr 0.05 --weight-decay 5e-4 --schedule cosine --batch-size 128 \
    --epochs "$epochs" --seed "$seed" --out "$model"
end=$(date +%s)
accuracy=$("$mlp" evaluate --model "$model" --data data/mnist --json | sed -n 's/^{"accuracy":\([0-9.e-]*\),.*/\1/p')
[ -n "$accuracy" ] || { echo "best: could not read the accuracy of $model" >&2; exit 1; }
echo "seed $seed, $epochs epochs, $((end - start)) s of wall time for the training command"
echo "test accuracy $accuracy"
