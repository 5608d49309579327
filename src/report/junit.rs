use super::Report;

pub fn render(_report: &Report) -> String {
    String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites/>\n")
}
