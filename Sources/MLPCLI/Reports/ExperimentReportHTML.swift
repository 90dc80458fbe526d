// The HTML report of `mlp cv` and `mlp search` (--report FILE.html): one self-contained page that a
// CI system can keep as an artifact and anyone can open offline. Everything is inline: the style,
// the charts (SVG elements) and a small script that sorts the table by the column clicked (numbers
// as numbers, empty cells last). No URL anywhere: no network, no external scripts, fonts or images.
// The commands fill the page (ExperimentReports.swift); this file lays it out.
import Formats

#if canImport(Glibc)
    import Glibc
#endif

struct ExperimentReportHTML {
    /// The page's heading and the facts listed under it (name, value).
    var title: String
    var facts: [(String, String)] = []
    var table: Table
    var sections: [Section] = []
    /// Text shown whole in a collapsed block at the end (the configuration).
    var appendix: [(heading: String, text: String)] = []

    struct Cell {
        let text: String
        /// What the column sorts by when it is not the text (a number in full); "" sorts last.
        let sortValue: String?
        init(_ text: String, sortValue: String? = nil) {
            self.text = text
            self.sortValue = sortValue
        }
        /// A figure shown as reports show it, sorted by its exact value; NaN as an empty cell.
        static func figure(_ x: Double?) -> Cell {
            guard let x, !x.isNaN else { return Cell("", sortValue: "") }
            return Cell(ExperimentSetup.figure(x), sortValue: JSONValue.format(x))
        }
        static func number(_ n: Int) -> Cell { Cell("\(n)", sortValue: "\(n)") }
    }

    struct Row {
        let cells: [Cell]
        /// Attributes that name the row (data-trial="3" data-rung="1"), for readers and tests.
        let attributes: [(String, String)]
        let highlighted: Bool
    }

    struct Table {
        let caption: String
        let headers: [String]
        let rows: [Row]
        /// Rows under the body that never sort (the mean and standard deviation).
        var footer: [[Cell]] = []
    }

    struct Section {
        let heading: String
        let note: String?
        /// SVG documents, drawn side by side where they fit.
        let charts: [String]
    }

    /// The whole page.
    var rendered: String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>\(esc(title))</title>\n<style>\n\(ExperimentReportHTML.style)</style>\n</head>\n<body>\n"
        h += "<h1>\(esc(title))</h1>\n"
        if !facts.isEmpty {
            h += "<dl class=\"facts\">\n"
            for (k, v) in facts { h += "<div><dt>\(esc(k))</dt><dd>\(esc(v))</dd></div>\n" }
            h += "</dl>\n"
        }
        h += "<h2>\(esc(table.caption))</h2>\n<p class=\"note\">Click a column's heading to sort by it; click again to reverse.</p>\n"
        h += "<div class=\"scroll\"><table class=\"sortable\" data-sort-column=\"0\" data-sort-direction=\"ascending\">\n<thead><tr>"
        for header in table.headers { h += "<th scope=\"col\">\(esc(header))</th>" }
        h += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            let attributes = row.attributes.map { " \($0.0)=\"\(esc($0.1))\"" }.joined()
            h += "<tr class=\"row\(row.highlighted ? " best" : "")\"\(attributes)>"
            for cell in row.cells { h += td(cell) }
            h += "</tr>\n"
        }
        h += "</tbody>\n"
        if !table.footer.isEmpty {
            h += "<tfoot>\n"
            for cells in table.footer { h += "<tr>" + cells.map(td).joined() + "</tr>\n" }
            h += "</tfoot>\n"
        }
        h += "</table></div>\n"
        for s in sections {
            h += "<h2>\(esc(s.heading))</h2>\n"
            if let note = s.note { h += "<p class=\"note\">\(esc(note))</p>\n" }
            h +=
                "<div class=\"charts\">\n" + s.charts.map { "<figure>" + ExperimentChartsSVG.inline($0) + "</figure>\n" }.joined()
                + "</div>\n"
        }
        for a in appendix {
            h += "<details><summary>\(esc(a.heading))</summary><pre>\(esc(a.text))</pre></details>\n"
        }
        h += "<footer>Written by mlp \(esc(CLI.version)) on \(ExperimentReportHTML.timestamp()).</footer>\n"
        h += "<script>\n\(ExperimentReportHTML.script)</script>\n</body>\n</html>\n"
        return h
    }

    private func td(_ c: Cell) -> String {
        let v = c.sortValue.map { " data-value=\"\(esc($0))\"" } ?? ""
        return "<td\(v)>\(esc(c.text))</td>"
    }

    private func esc(_ s: String) -> String { SVGDocument.escape(s) }

    /// Writes the page to `path` as every output is written (AtomicFile: a regular file replaced
    /// atomically; a device, pipe or symbolic link written through).
    func write(to path: String) throws(CLIError) {
        do { try AtomicFile.write(Array(rendered.utf8), to: path) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(path): \(error)")
        }
    }

    /// The time now in UTC, to the minute ("2026-01-31 14:05 UTC").
    static func timestamp() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }

    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #222;
          margin: 24px auto; max-width: 1500px; padding: 0 16px; }
        h1 { font-size: 22px; margin-bottom: 8px; }
        h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .facts { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0; }
        .facts div { display: flex; gap: 6px; }
        .facts dt { color: #666; }
        .facts dd { margin: 0; font-weight: 600; }
        .note { color: #666; font-size: 13px; margin: 4px 0 8px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
        th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
        th { position: sticky; top: 0; background: #f3f3f3; cursor: pointer; user-select: none; }
        th:hover { background: #e6e6e6; }
        th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 10px; }
        th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 10px; }
        tbody tr:hover { background: #f5f9ff; }
        tr.best { background: #fff4d6; font-weight: 600; }
        tfoot td { font-weight: 600; border-top: 2px solid #ccc; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; }
        figure { margin: 0; }
        svg { max-width: 100%; height: auto; }
        details { margin-top: 20px; }
        pre { background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 12px; }
        footer { margin-top: 28px; color: #888; font-size: 12px; }

        """

    /// Sorts each table.sortable by a heading's column when it is clicked (again: reversed), and
    /// once when the page loads by the column the table names.
    static let script = """
        (function () {
          function key(cell) {
            var v = cell.hasAttribute('data-value') ? cell.getAttribute('data-value') : cell.textContent;
            if (v === '') return null;
            var n = Number(v);
            return isNaN(n) ? v.toLowerCase() : n;
          }
          function compare(a, b) {
            if (a === null || b === null) return a === b ? 0 : (a === null ? 1 : -1);
            if (typeof a !== typeof b) { a = String(a); b = String(b); }
            return a < b ? -1 : (a > b ? 1 : 0);
          }
          function sortBy(table, column, direction) {
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (r, s) {
              var a = key(r.cells[column]), b = key(s.cells[column]);
              if (a === null || b === null) return compare(a, b);
              return compare(a, b) * direction;
            });
            rows.forEach(function (r) { body.appendChild(r); });
            var headers = table.tHead.rows[0].cells;
            for (var i = 0; i < headers.length; i++) headers[i].removeAttribute('aria-sort');
            headers[column].setAttribute('aria-sort', direction > 0 ? 'ascending' : 'descending');
            table.setAttribute('data-sorted', headers[column].textContent + (direction > 0 ? ' ascending' : ' descending'));
          }
          var tables = document.querySelectorAll('table.sortable');
          Array.prototype.forEach.call(tables, function (table) {
            var headers = table.tHead.rows[0].cells;
            Array.prototype.forEach.call(headers, function (th, i) {
              th.addEventListener('click', function () {
                sortBy(table, i, th.getAttribute('aria-sort') === 'ascending' ? -1 : 1);
              });
            });
            var column = table.getAttribute('data-sort-column');
            if (column !== null) sortBy(table, Number(column), table.getAttribute('data-sort-direction') === 'descending' ? -1 : 1);
          });
        })();

        """
}
