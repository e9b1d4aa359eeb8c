// Header formats (settings.json `log_format`) and JSON lines: fields, content, and clear errors.
import { describe, expect, it } from 'vitest';
import { parseJsonLogLine } from './json-line.js';
import { LogFormatError, compileLogFormat } from './log-format.js';

describe('compileLogFormat', () => {
  it('splits a line into fields and content, any whitespace run matching a space', () => {
    const parse = compileLogFormat('<Date> <Time> <Level> <Component>: <Content>');
    expect(parse('081109 203615  INFO dfs.DataNode: Receiving block blk_1 src: /10.0.0.1:50010')).toEqual({
      fields: { Date: '081109', Time: '203615', Level: 'INFO', Component: 'dfs.DataNode' },
      content: 'Receiving block blk_1 src: /10.0.0.1:50010',
    });
  });

  it('treats the literal text as a regex fragment (escapes, optional groups)', () => {
    const parse = compileLogFormat('<Month> <Date> <Time> <Component>(\\[<PID>\\])?: <Content>');
    expect(parse('Jun 14 15:16:01 sshd(pam_unix)[19939]: check pass; user unknown')?.fields['PID']).toBe(
      '19939',
    );
    const noPid = parse('Jun 14 15:16:01 kernel: Linux version 2.6.5');
    expect(noPid?.fields['Component']).toBe('kernel');
    expect(noPid?.content).toBe('Linux version 2.6.5');
  });

  it('trims the line (CRLF ends) and returns undefined when the line does not fit', () => {
    const parse = compileLogFormat('\\[<Time>\\] \\[<Level>\\] <Content>');
    expect(parse('[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\r')?.content).toBe(
      'workerEnv.init() ok',
    );
    expect(parse('no brackets here')).toBeUndefined();
  });

  it('rejects formats without <Content>, with repeated or odd field names, or with a broken regex', () => {
    expect(() => compileLogFormat('<Date> <Time>')).toThrow(LogFormatError);
    expect(() => compileLogFormat('<Date> <Time>')).toThrow(/no <Content> field/);
    expect(() => compileLogFormat('<Date> <Date> <Content>')).toThrow(/appears twice/);
    expect(() => compileLogFormat('<Da te> <Content>')).toThrow(/not a word/);
    expect(() => compileLogFormat('<Date> (<Content>')).toThrow(LogFormatError);
  });
});

describe('parseJsonLogLine', () => {
  it('mines msg or message and keeps the other fields as labels', () => {
    expect(parseJsonLogLine('{"level":"info","msg":"user 42 logged in","port":8080,"tags":["a"]}')).toEqual({
      content: 'user 42 logged in',
      labels: { level: 'info', port: '8080', tags: '["a"]' },
      messageKey: 'msg',
    });
    expect(parseJsonLogLine('  {"message":"ready","svc":"cart"}  ')?.content).toBe('ready');
  });

  it('returns undefined for text, arrays, broken JSON and objects without a string message', () => {
    expect(parseJsonLogLine('plain text line')).toBeUndefined();
    expect(parseJsonLogLine('[1,2]')).toBeUndefined();
    expect(parseJsonLogLine('{"msg": "unterminated')).toBeUndefined();
    expect(parseJsonLogLine('{"msg": 42}')).toBeUndefined();
    expect(parseJsonLogLine('{"text":"x"}', ['text'])?.content).toBe('x');
  });
});
