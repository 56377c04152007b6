// Prints the current export lists of src/index.ts and src/learned.ts in the form of
// test/public-api.test.ts, for a reviewed update after an intended change of the public API:
//   npx tsx scripts/dev/public-api-lists.ts > /tmp/lists.txt  (then read the diff before pasting)
import { readFileSync } from 'node:fs';
import ts from 'typescript';

function typeNames(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const st of file.statements) {
    if (!ts.isExportDeclaration(st) || !st.exportClause || !ts.isNamedExports(st.exportClause)) continue;
    for (const el of st.exportClause.elements) if (st.isTypeOnly || el.isTypeOnly) names.push(el.name.text);
  }
  return names.sort();
}

function block(name: string, items: string[]): string {
  const lines: string[] = [];
  let line = '   ';
  for (const item of items.map((n) => `'${n}',`)) {
    if (line.length + item.length + 1 > 100) {
      lines.push(line);
      line = '   ';
    }
    line += ` ${item}`;
  }
  lines.push(line);
  return `const ${name} = [\n${lines.join('\n')}\n];`;
}

const index = await import('../../src/index.js');
const learned = await import('../../src/learned.js');
console.log(block('VALUES', Object.keys(index).sort()));
console.log(block('TYPES', typeNames('src/index.ts')));
console.log(block('LEARNED_VALUES', Object.keys(learned).sort()));
