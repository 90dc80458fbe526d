// Example command lines, declared once per command: `mlp COMMAND --help` ends with them and the
// manual page's EXAMPLES section lists them, and a test parses every mlp invocation in them with
// the real parser, so they cannot name a flag that does not exist. Paths are the repository's
// (data/mnist after `make data`, the small tables kept in data/tabular).

/// One example: what it does, and the shell text that does it.
import Formats

struct Example {
    let what: String
    let shell: String
}

enum Examples {
    static let train = [
        Example(
            what:
                "Train on MNIST (the four IDX files in data/mnist) for 10 epochs with a cosine schedule; the test accuracy is printed and the model saved",
            shell: "mlp train --data data/mnist --epochs 10 --schedule cosine --out mnist.safetensors"),
        Example(
            what:
                "Learn a CSV table's column species (a classification, inferred from its values), holding out 20% of the rows as a test set and stopping early on a validation split",
            shell:
                "mlp train --data data/tabular/iris.csv.gz --target species --test-split 0.2 --validation-split 0.2 --early-stopping 20 --epochs 300 --out iris.safetensors"
        ),
        Example(
            what:
                "A learning-rate sweep: each run's results (test accuracy, per-epoch figures, timings) as one JSON object in a file, and nothing on stderr but warnings and errors",
            shell:
                "for lr in 0.01 0.03 0.1 0.3; do mlp train --data data/mnist --lr \"$lr\" --epochs 3 --silent --json --out \"mnist-$lr.safetensors\" > \"mnist-$lr.json\"; done"
        ),
        Example(
            what:
                "Weigh the rarer class up (balanced class weights), report the ROC AUC and F1 every epoch, and stop early on the validation AUC; the held-out rows are kept for evaluate",
            shell:
                "mlp train --data data/tabular/breast_cancer.csv.gz --class-weight balanced --metrics auc,f1 --test-split 0.2 --validation-split 0.2 --monitor val_auc --early-stopping 20 --epochs 200 --save-split bc-split --out bc.safetensors"
        ),
    ]

    static let config = [
        Example(
            what: "Train again exactly as a model was trained, with one setting changed (a flag overrides the file)",
            shell:
                "mlp config iris.safetensors > iris.json && mlp train --config iris.json --epochs 400 --data data/tabular/iris.csv.gz --out iris2.safetensors"
        )
    ]

    static let cv = [
        Example(
            what:
                "Five-fold cross-validation of a small network on a table, repeated twice; exit code 3 when the mean accuracy is below 0.9",
            shell:
                "mlp cv --data data/tabular/iris.csv.gz --target species --hidden 16 --epochs 60 --folds 5 --repeats 2 --min-accuracy 0.9")
    ]

    static let search = [
        Example(
            what:
                "Search learning rate, widths and dropout on a table: 30 trials from 2 epochs up to 18 (η 3), the best by validation accuracy",
            shell:
                "mlp search --data data/tabular/wine.csv.gz --validation-split 0.2 --lr 1e-4..1e-2:log --hidden \"32|64|128,64\" --dropout 0..0.5 --trials 30 --min-epochs 2 --epochs 18 --objective val_accuracy --out-dir wine-search"
        )
    ]

    static let evaluate = [
        Example(
            what: "Gate a CI job on a model's test accuracy: exit code 3 when it is below 0.97",
            shell: "mlp evaluate --model mnist.safetensors --data data/mnist --min-accuracy 0.97"),
        Example(
            what:
                "Gate on the ROC AUC and on the recall of the malignant class (label 0); every gate is checked and each one missed is named",
            shell: "mlp evaluate --model bc.safetensors --data bc-split/test.csv --min-auc 0.97 --min-recall 0:0.9"),
    ]

    static let predict = [
        Example(
            what: "The three most probable digits for one image",
            shell: "mlp predict --model mnist.safetensors --images digit.png --top-k 3"),
        Example(
            what: "A prediction for every row of a CSV file, as JSON lines",
            shell: "mlp predict --model iris.safetensors --input rows.csv --json > predictions.jsonl"),
    ]
}

extension Examples {
    static let calibrate = [
        Example(
            what:
                "Train on 50,000 MNIST images keeping 10,000 apart, then fit the temperature on those and store it (the held-out log-loss and ECE before and after are printed)",
            shell:
                "mlp train --data data/mnist --validation-split 0.1667 --save-split held-out --out mnist.safetensors && mlp calibrate --model mnist.safetensors --data held-out --out mnist-calibrated.safetensors"
        ),
        Example(
            what: "Calibrate a binary table model on rows held out from training, and store the threshold that maximizes F1 on them",
            shell: "mlp calibrate --model cancer.safetensors --data held-out/validation.csv --pick-threshold f1 --out cancer.safetensors"),
    ]

    static let importance = [
        Example(
            what: "Which columns a table model relies on: each shuffled 10 times, the drop in accuracy sorted, and a bar chart",
            shell: "mlp importance --model iris.safetensors --data data/tabular/iris.csv.gz --repeats 10 --plot importance.svg"),
        Example(
            what: "Which pixels an MNIST model looks at, as a 28×28 heat map, on the first 1,000 test images",
            shell: "mlp importance --model mnist.safetensors --data data/mnist --samples 1000 --plot pixels.svg"),
    ]
}
