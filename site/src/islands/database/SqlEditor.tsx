// The SQL editor: CodeMirror 6 with PostgreSQL's dialect (highlighting, completion of keywords and of the
// database's own tables and columns), undo history, Ctrl/Cmd-Enter to run, and the error position of a failed
// statement marked. Only the Query tab imports this module, and lazily: it is its own chunk.
import { autocompletion, closeBrackets, closeBracketsKeymap, closeCompletion, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { PostgreSQL, sql, type SQLNamespace } from '@codemirror/lang-sql';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import { Decoration, drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers, placeholder, type DecorationSet } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';

/** What the Query tab can do with the editor once it is there. */
export interface SqlEditorHandle {
  text(): string;
  setText(text: string): void;
  /** Marks the error at `offset` (to the end of its word), or clears the mark with null. */
  markError(offset: number | null): void;
  focus(): void;
}

interface Props {
  initialText: string;
  /** Tables and their columns by schema, for completion. */
  schema: SQLNamespace;
  readOnly: boolean;
  label: string;
  onRun: () => void;
  onChange: (text: string) => void;
  onReady: (handle: SqlEditorHandle) => void;
}

// Token colours on the editor's dark background, each >= 4.5:1 (the page's contrast rule holds in the editor too).
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: '#93c5fd' },
  { tag: [tags.string, tags.special(tags.string)], color: '#86efac' },
  { tag: [tags.number, tags.bool, tags.null], color: '#fcd34d' },
  { tag: tags.comment, color: '#a1a1aa', fontStyle: 'italic' },
  { tag: [tags.typeName, tags.standard(tags.name)], color: '#c4b5fd' },
  { tag: tags.operator, color: '#e4e4e7' },
]);

const theme = EditorView.theme(
  {
    '&': { backgroundColor: 'var(--bg-primary)', color: 'var(--text-primary)', border: '1px solid var(--border-hover)', borderRadius: 'var(--radius)', fontSize: 'var(--text-sm)' },
    '&.cm-focused': { outline: '2px solid var(--focus-ring)', outlineOffset: '0' },
    '.cm-content': { fontFamily: 'var(--font-mono)', minHeight: '8rem', caretColor: 'var(--text-primary)' },
    '.cm-scroller': { fontFamily: 'var(--font-mono)', maxHeight: '24rem' },
    '.cm-gutters': { backgroundColor: 'var(--bg-secondary)', color: 'var(--text-secondary)', border: 'none', borderRadius: 'var(--radius) 0 0 var(--radius)' },
    '.cm-activeLine': { backgroundColor: '#ffffff08' },
    '.cm-activeLineGutter': { backgroundColor: 'var(--bg-tertiary)', color: 'var(--text-primary)' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: '#1e3a8a' },
    '.cm-cursor': { borderLeftColor: 'var(--text-primary)' },
    '.cm-placeholder': { color: 'var(--text-secondary)' },
    '.cm-sql-error': { textDecoration: 'underline wavy var(--accent-error)', backgroundColor: '#7f1d1d66' },
    '.cm-tooltip': { backgroundColor: 'var(--bg-elevated)', border: '1px solid var(--border-hover)', color: 'var(--text-primary)' },
    '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: '#1e3a8a', color: 'var(--text-primary)' },
    '.cm-completionDetail': { color: 'var(--text-secondary)' },
  },
  { dark: true },
);

const setError = StateEffect.define<number | null>();
const errorMark = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    // Editing the text makes the old position meaningless.
    let next = tr.docChanged ? Decoration.none : marks;
    for (const effect of tr.effects) {
      if (!effect.is(setError)) continue;
      if (effect.value === null) next = Decoration.none;
      else {
        const doc = tr.state.doc;
        const from = Math.min(effect.value, doc.length);
        let to = from;
        while (to < doc.length && /\w/.test(doc.sliceString(to, to + 1))) to++;
        if (to === from) to = Math.min(from + 1, doc.length);
        next = to > from ? Decoration.set([Decoration.mark({ class: 'cm-sql-error', attributes: { title: 'The error is here' } }).range(from, to)]) : Decoration.none;
      }
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

export default function SqlEditor({ initialText, schema, readOnly, label, onRun, onChange, onReady }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const editable = useRef(new Compartment());
  const latest = useRef({ onRun, onChange });
  latest.current = { onRun, onChange };

  useEffect(() => {
    const state = EditorState.create({
      doc: initialText,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        closeBrackets(),
        autocompletion({ icons: false }),
        syntaxHighlighting(highlight),
        theme,
        errorMark,
        placeholder('select * from …'),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': label }),
        language.current.of(sql({ dialect: PostgreSQL, schema, defaultSchema: 'public' })),
        editable.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
        // Run before any other binding of Mod-Enter (the default keymap inserts a line there). Tab is left to
        // move focus out of the editor, so the keyboard never gets stuck in it.
        // An open completion list is closed: the statement is what was typed, not a suggestion.
        Prec.highest(keymap.of([{ key: 'Mod-Enter', run: (v) => (closeCompletion(v), latest.current.onRun(), true) }])),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        EditorView.updateListener.of((u) => u.docChanged && latest.current.onChange(u.state.doc.toString())),
      ],
    });
    // In a shadow root CodeMirror's styles go into an adopted stylesheet (CSSOM); in the document it would add a
    // <style> element, which the pages' CSP refuses. The tokens (CSS variables) still reach it by inheritance.
    const shadow = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' });
    const parent = document.createElement('div');
    shadow.replaceChildren(parent);
    const editor = new EditorView({ state, parent, root: shadow });
    view.current = editor;
    onReady({
      text: () => editor.state.doc.toString(),
      setText: (text) => editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: { anchor: text.length } }),
      markError: (offset) => editor.dispatch({ effects: setError.of(offset), ...(offset === null ? {} : { selection: { anchor: Math.min(offset, editor.state.doc.length) }, scrollIntoView: true }) }),
      focus: () => editor.focus(),
    });
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Built once; schema and read-only changes are reconfigured below without losing the text or its history.
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(sql({ dialect: PostgreSQL, schema, defaultSchema: 'public' })) });
  }, [schema]);
  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]) });
  }, [readOnly]);

  return <div ref={host} className="obs-editor" data-testid="sql-editor" />;
}
