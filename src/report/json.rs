//! The JSON report: the archive format. Pretty-printed with a trailing newline; field order is
//! the struct order and every array is sorted upstream, so identical inputs give identical
//! bytes.

use super::{Renderer, Report};
use std::io::{self, Write};

pub struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        out.write_all(b"\n")
    }
}
