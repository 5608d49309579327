// Syntax highlighting for Dockerfiles in the console's file editor.
import { StreamLanguage } from "@codemirror/language";

const instructions = [
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL",
  "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
];
const instructionRe = new RegExp("^(" + instructions.join("|") + ")\\b", "i");

export const dockerfile = StreamLanguage.define({
  name: "dockerfile",
  startState: () => ({ continued: false }),
  token(stream, state) {
    if (stream.sol() && !state.continued) {
      stream.eatSpace();
      if (stream.match(/^#.*/)) return "comment";
      if (stream.match(instructionRe)) return "keyword";
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"/)) return "string";
    if (stream.match(/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/)) return "variableName";
    if (stream.match(/^\\$/)) { state.continued = true; return null; }
    stream.next();
    state.continued = false;
    return null;
  },
});
