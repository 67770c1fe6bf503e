//! The HTML page: escaping, the document skeleton with its inline style sheet, and small
//! builders for headings, paragraphs and tables. The page loads nothing: no scripts, no
//! external style sheets, fonts or images, and a Content-Security-Policy that forbids them.

use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, Helvetica, Arial, sans-serif; margin: 0;
       color: #1b1b1b; background: #f4f5f7; }
main { max-width: 1500px; margin: 0 auto; padding: 16px 28px 48px; }
h1 { font-size: 1.6em; margin: 0.6em 0 0.2em; }
h2 { font-size: 1.2em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #d0d4da; }
p.description { white-space: pre-line; max-width: 70em; }
p.meta { color: #555; }
div.table { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; margin: 0.4em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #d7dbe0; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #e9ecf0; }
td.yes { color: #17692e; font-weight: bold; }
td.no { color: #a31515; }
figure { background: #fff; border: 1px solid #d7dbe0; margin: 0.5em 0 1.2em; padding: 6px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 0.85em; padding: 4px 6px 0; }
";

/// A page under construction: sections of already-escaped HTML.
pub struct Page {
    title: String,
    body: String,
}

impl Page {
    /// A page whose `<title>` and first heading are `title` (escaped here).
    pub fn new(title: &str) -> Page {
        let mut body = String::new();
        let _ = writeln!(body, "<h1>{}</h1>", escape(title));
        Page {
            title: title.to_string(),
            body,
        }
    }

    pub fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
    }

    /// A paragraph of plain text with a CSS class (line breaks kept).
    pub fn paragraph(&mut self, class: &str, text: &str) {
        let _ = writeln!(self.body, "<p class=\"{class}\">{}</p>", escape(text));
    }

    /// A table: header cells and rows of cells, all plain text (escaped here). A cell
    /// `yes`/`no` in a column named `slo` gets a class for its colour.
    pub fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let _ = write!(self.body, "<div class=\"table\"><table>\n<thead><tr>");
        for h in header {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        let _ = writeln!(self.body, "</tr></thead>\n<tbody>");
        for row in rows {
            self.body.push_str("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let slo = header.get(i).is_some_and(|h| h == "slo");
                match (slo, cell.split(' ').next()) {
                    (true, Some(c @ ("yes" | "no"))) => {
                        let _ = write!(self.body, "<td class=\"{c}\">{}</td>", escape(cell));
                    }
                    _ => {
                        let _ = write!(self.body, "<td>{}</td>", escape(cell));
                    }
                }
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody>\n</table></div>\n");
    }

    /// An inline SVG figure (the SVG is trusted output of the plot module, whose text
    /// content is escaped there) with a plain-text caption.
    pub fn svg(&mut self, id: &str, svg: &str, caption: &str) {
        let start = svg.find("<svg").unwrap_or(0);
        let _ = writeln!(
            self.body,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            escape(id),
            svg[start..].trim_end(),
            escape(caption)
        );
    }

    /// The whole document.
    pub fn render(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"stratus {}\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{}</main>\n</body>\n</html>\n",
            env!("CARGO_PKG_VERSION"),
            escape(&self.title),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_entities() {
        assert_eq!(
            escape("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
        let mut p = Page::new("a<b");
        p.table(&["k&v".into()], &[vec!["<i>".into()]]);
        let html = p.render();
        assert!(html.contains("<title>a&lt;b</title>"));
        assert!(html.contains("<th>k&amp;v</th>"));
        assert!(html.contains("<td>&lt;i&gt;</td>"));
        assert!(!html.contains("<i>"));
    }
}
