import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStat, treePages } from './process-tree.ts';

test('a stat line gives the parent and the resident pages, whatever the command name holds', () => {
  const line = '4242 (node (tsx) x) S 4200 4242 4200 0 -1 4194560 1 0 0 0 10 2 0 0 20 0 11 0 123 456789 3210 18446744073709551615';
  assert.deepEqual(parseStat(4242, line), { pid: 4242, ppid: 4200, rssPages: 3210 });
  assert.equal(parseStat(1, 'garbage'), null);
});

test("a tree's pages are its root's and every descendant's, not its parent's or a stranger's", () => {
  const procs = [
    { pid: 1, ppid: 0, rssPages: 1000 },
    { pid: 10, ppid: 1, rssPages: 5 },
    { pid: 11, ppid: 10, rssPages: 7 },
    { pid: 12, ppid: 11, rssPages: 11 },
    { pid: 13, ppid: 10, rssPages: 13 },
    { pid: 20, ppid: 1, rssPages: 500 },
  ];
  assert.equal(treePages(procs, 10), 5 + 7 + 11 + 13);
  assert.equal(treePages(procs, 12), 11);
  assert.equal(treePages(procs, 99), 0);
});
