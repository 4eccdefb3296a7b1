//! `as chart`: an inline SVG chart for the html renderer. (First cut: the table; the SVG is its own piece of work.)

use super::compute::Computation;

pub fn render(computation: &Computation) -> String {
    super::table::render(computation)
}
