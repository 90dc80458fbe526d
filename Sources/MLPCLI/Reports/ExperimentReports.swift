// What the HTML reports of `mlp search` and `mlp cv` show (ExperimentReportHTML.swift lays the page out):
// - search: every trial and rung of the leaderboard, the objective against each hyperparameter, the
//   learning curves of the best trials (the objective per epoch from each trial's start, the rungs'
//   budgets marked);
// - cv: every fold's figures with their mean and standard deviation, the folds' spread per figure,
//   each fold's learning curves (training loss, and validation loss with a validation split).
import Experiments
import Formats
import Tables
import Training

enum ExperimentReports {
    /// How many trials the learning-curve chart draws, best first.
    static let curvesShown = 5
    /// How many folds the cross-validation's learning-curve chart draws at most.
    static let foldCurvesShown = 20

    static func search(
        _ s: SuccessiveHalving, space: [SearchDimension], keys: (String) -> String, best: SuccessiveHalving.Result,
        test: EvaluationFigures?, seconds: Double, data: String, ranks: Int, slots: Int
    ) -> ExperimentReportHTML {
        let rows = Leaderboard.ordered(s)
        let names = s.trials.first?.parameters.map { keys($0.name) } ?? []
        let figureNames = rows.first { !$0.figures.isEmpty }?.figures.map(\.name).filter { $0 != s.objective } ?? []
        var headers = ["#", "trial", "rung", "epochs"] + names + [s.objective] + figureNames + ["seconds", "status"]
        if ranks > 1 { headers.append("rank") }
        var tableRows: [ExperimentReportHTML.Row] = []
        for (i, r) in rows.enumerated() {
            var cells: [ExperimentReportHTML.Cell] = [.number(i + 1), .number(r.trial), .number(r.rung), .number(r.epochs)]
            cells += s.trials[r.trial].parameters.map { p in
                ExperimentReportHTML.Cell(p.value, sortValue: Double(p.value) != nil ? p.value : nil)
            }
            cells.append(.figure(r.value))
            cells += figureNames.map { n in .figure(r.figures.first { $0.name == n }?.value) }
            cells += [
                .init(fixed(r.seconds, 2), sortValue: JSONValue.format(r.seconds)),
                .init(r.status.rawValue + (r.stoppedEarly ? " (stopped early)" : "")),
            ]
            if ranks > 1 { cells.append(.number(r.rank)) }
            tableRows.append(
                .init(
                    cells: cells, attributes: [("data-trial", "\(r.trial)"), ("data-rung", "\(r.rung)")],
                    highlighted: r.trial == best.trial && r.rung == best.rung))
        }
        let table = ExperimentReportHTML.Table(
            caption: "Leaderboard: every trial at every rung (highest rung first, best first within it)", headers: headers, rows: tableRows)

        let t = s.trials[best.trial]
        func describe(_ trial: Int) -> String {
            s.trials[trial].parameters.map { "\(keys($0.name)) \($0.value)" }.joined(separator: ", ")
        }
        var facts: [(String, String)] = [
            ("data", data), ("objective", "\(s.objective) (\(s.higherIsBetter ? "higher" : "lower") is better)"),
            ("best", "trial \(best.trial): \(describe(best.trial))"),
            ("best \(s.objective)", "\(ExperimentSetup.figure(best.value)) after \(best.epochs) epochs"),
        ]
        if let test {
            facts.append(
                (
                    "best model's test",
                    test.values.prefix(3).map { "\($0.name) \(ExperimentSetup.figure($0.value))" }.joined(separator: ", ")
                ))
        }
        let started = Set(s.results.flatMap { $0.map(\.trial) }).count
        facts += [
            ("trials", "\(started) started of \(s.trials.count)"),
            ("results per rung", s.budgets.indices.map { "\(s.results[$0].count) at \(s.budgets[$0]) epochs" }.joined(separator: " → ")),
            ("halving factor η", "\(s.eta)"),
            ("folds per trial", s.folds > 1 ? "\(s.folds)" : "none (a validation split)"),
            ("time", duration(seconds) + (ranks > 1 ? " on \(ranks) ranks, \(slots) at a time on each" : ", \(slots) at a time")),
        ]

        var sections: [ExperimentReportHTML.Section] = []
        sections.append(
            .init(
                heading: "\(s.objective) against each hyperparameter",
                note: "One point per trial and rung, coloured by rung: the trials promoted to longer budgets stand out.",
                charts: space.map { SearchPlotsSVG.render(s, dimension: $0, key: keys($0.name)) }))
        var shown: [Int] = []
        var lines: [ExperimentChartsSVG.Line] = []
        for r in rows where !shown.contains(r.trial) && r.value.isFinite && !r.curve.isEmpty {
            shown.append(r.trial)
            let color = ExperimentChartsSVG.palette[(shown.count - 1) % ExperimentChartsSVG.palette.count]
            lines.append(
                .init(
                    label:
                        "trial \(r.trial): \(s.objective) \(ExperimentSetup.figure(r.value)) at \(r.epochs) epochs (\(describe(r.trial)))",
                    color: color, dash: nil, points: r.curve.enumerated().map { (Double($0.offset + 1), $0.element) }))
            if shown.count == curvesShown { break }
        }
        sections.append(
            .init(
                heading: "Learning curves of the best trials",
                note:
                    "\(s.objective) per epoch from each trial's start\(s.folds > 1 ? " (its first fold)" : ""); the dashed verticals are the rungs' budgets, where trials were promoted or stopped.",
                charts: [
                    ExperimentChartsSVG.lines(
                        title: "\(s.objective) of the \(lines.count) best trial\(lines.count == 1 ? "" : "s")", xLabel: "epoch",
                        yLabel: s.objective, lines: lines, marks: s.budgets.dropLast().map(Double.init))
                ]))
        var appendix: [(heading: String, text: String)] = []
        if let document = try? ConfigurationFile.document(t.config) {
            appendix.append(("The best configuration (best.json, for mlp train --config)", ConfigurationFile.text(document)))
        }
        return ExperimentReportHTML(
            title: "mlp search: \(s.objective) over \(s.trials.count) trials", facts: facts, table: table, sections: sections,
            appendix: appendix)
    }

    static func crossValidation(
        _ cv: CrossValidation, task: Tables.Task, rows: Int, testRows: (Int) -> Int, seconds: Double, data: String, ranks: Int, slots: Int
    ) -> ExperimentReportHTML {
        let summary = cv.summary
        let parts = cv.outcomes.keys.sorted()
        let label = { (part: Int) in
            cv.repeats > 1 ? "repeat \(part / cv.folds + 1), fold \(part % cv.folds + 1)" : "fold \(part % cv.folds + 1)"
        }
        var headers = ["#"]
        if cv.repeats > 1 { headers.append("repeat") }
        headers += ["fold", "test rows", "epochs", "seconds"] + summary.map(\.name)
        var tableRows: [ExperimentReportHTML.Row] = []
        for (i, part) in parts.enumerated() {
            let out = cv.outcomes[part]!
            var cells: [ExperimentReportHTML.Cell] = [.number(i + 1)]
            if cv.repeats > 1 { cells.append(.number(part / cv.folds + 1)) }
            cells += [
                .number(part % cv.folds + 1), .number(testRows(part)), .number(out.epochs),
                .init(fixed(out.seconds, 2), sortValue: JSONValue.format(out.seconds)),
            ]
            cells += summary.map { s in .figure(out.test?[s.name]) }
            tableRows.append(
                .init(
                    cells: cells, attributes: [("data-repeat", "\(part / cv.folds + 1)"), ("data-fold", "\(part % cv.folds + 1)")],
                    highlighted: false))
        }
        let pad = [ExperimentReportHTML.Cell](repeating: .init(""), count: headers.count - summary.count - 1)
        let footer: [[ExperimentReportHTML.Cell]] = [
            [.init("mean")] + pad + summary.map { .figure($0.mean) }, [.init("± std")] + pad + summary.map { .figure($0.std) },
        ]
        let table = ExperimentReportHTML.Table(
            caption: "Every fold's figures on its own test rows", headers: headers, rows: tableRows, footer: footer)

        var facts: [(String, String)] = [
            ("data", data), ("task", task.rawValue), ("rows", "\(rows)"),
            ("folds", "\(cv.folds)\(task == .classification ? " (stratified)" : "")"),
        ]
        if cv.repeats > 1 { facts.append(("repeats", "\(cv.repeats), seeds \(cv.seed(repeat: 0))…\(cv.seed(repeat: cv.repeats - 1))")) }
        for name in summary.prefix(2).map(\.name) {
            if let f = summary.first(where: { $0.name == name }) {
                facts.append((f.name, "\(ExperimentSetup.figure(f.mean)) ± \(ExperimentSetup.figure(f.std))"))
            }
        }
        facts.append(("time", duration(seconds) + (ranks > 1 ? " on \(ranks) ranks, \(slots) at a time on each" : ", \(slots) at a time")))

        var sections: [ExperimentReportHTML.Section] = [
            .init(
                heading: "The folds' spread",
                note:
                    "Each figure on its own scale: a square per fold (hover: which), the mean as a bar, mean ± standard deviation shaded.",
                charts: [ExperimentChartsSVG.spread(title: "figures over \(parts.count) folds", figures: summary, labels: parts.map(label))]
            )
        ]
        var lines: [ExperimentChartsSVG.Line] = []
        for (i, part) in parts.prefix(foldCurvesShown).enumerated() {
            let history = cv.outcomes[part]!.history
            let color = ExperimentChartsSVG.palette[i % ExperimentChartsSVG.palette.count]
            lines.append(
                .init(
                    label: "\(label(part)): training loss", color: color, dash: nil,
                    points: history.map { (Double($0.epoch), Double($0.loss)) }))
            if history.contains(where: { $0.validation != nil }) {
                lines.append(
                    .init(
                        label: "\(label(part)): validation loss", color: color, dash: "6 4",
                        points: history.map { (Double($0.epoch), $0.validation.map { Double($0.loss) } ?? .nan) }))
            }
        }
        sections.append(
            .init(
                heading: "Learning curves",
                note: parts.count > foldCurvesShown ? "The first \(foldCurvesShown) of \(parts.count) folds." : nil,
                charts: [ExperimentChartsSVG.lines(title: "loss per epoch, each fold", xLabel: "epoch", yLabel: "loss", lines: lines)]))
        var appendix: [(heading: String, text: String)] = []
        if let document = try? ConfigurationFile.document(cv.config) {
            appendix.append(("The configuration (for mlp train --config)", ConfigurationFile.text(document)))
        }
        return ExperimentReportHTML(
            title: "mlp cv: \(cv.folds)-fold cross-validation\(cv.repeats > 1 ? ", \(cv.repeats) repeats" : "")", facts: facts,
            table: table, sections: sections, appendix: appendix)
    }
}
