/**
 * Free-variable analysis of one parsed function: which names its body uses
 * without binding them, and what ties it to the place it was written.
 *
 * Scopes follow the language: parameters (patterns, defaults, rest) in a
 * scope of their own, `var` and top-level function declarations hoisted to
 * the body, `let`/`const`/`class`/nested function declarations to their
 * block (the code is parsed as strict, so Annex B's sloppy hoisting of block
 * functions does not apply), a named function expression's name in a scope
 * around its parameters, catch parameters, `for` heads, class bodies (a field
 * initialiser or static block binds `this` like a method). `this`,
 * `arguments` and `new.target` are treated as names every non-arrow function
 * binds, so an arrow's lexical use of them comes out as free, like any other
 * capture. Labels, non-computed member and key names are not references; a
 * shorthand `{ a }` is.
 */

import { isBuiltin } from 'node:module';
import type * as acorn from 'acorn';
import { base, type WalkerCallback } from 'acorn-walk';

/** What a function refers to outside itself. */
export interface FreeNames {
  /**
   * The names the function uses but does not bind, in order of first
   * appearance; `this`, `arguments` and `new.target` appear here when an
   * arrow takes them from its surroundings.
   */
  readonly names: readonly string[];
  /** Those of `names` the function assigns to. */
  readonly assigned: ReadonlySet<string>;
  /** Why it cannot run anywhere but where it was written, whatever it captures (`uses super` ...): the first found. */
  readonly problem: string | undefined;
  /** Whether a non-arrow function uses its own `this`. */
  readonly usesOwnThis: boolean;
}

/** The names a non-arrow function binds without declaring them. */
export const LEXICAL_NAMES: ReadonlySet<string> = new Set(['this', 'arguments', 'new.target']);

/**
 * Analyses `fn`, the root of a parsed function's source. A method's own
 * `super` counts as a problem: its home object stays behind.
 */
export function freeNames(fn: acorn.Function): FreeNames {
  const analysis = new Analysis();
  analysis.func(fn, { scope: new Scope(undefined), home: false }, false);
  return analysis;
}

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | undefined) {}

  binds(name: string): Scope | undefined {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) if (s.names.has(name)) return s;
    return undefined;
  }
}

/** Where a node is: its innermost scope, and whether `super` there has a home object inside the function. */
interface Where {
  readonly scope: Scope;
  readonly home: boolean;
}

/** A visitor for one node type, as acorn-walk's `base` holds them. */
type Children = (node: acorn.AnyNode, where: Where, visit: WalkerCallback<Where>) => void;

class Analysis implements FreeNames {
  readonly names: string[] = [];
  readonly assigned = new Set<string>();
  problem: string | undefined;
  usesOwnThis = false;
  private readonly seen = new Set<string>();
  /** The root function's parameter scope, where its own `this` is bound. */
  private own: Scope | undefined;

  private flag(problem: string): void {
    this.problem ??= problem;
  }

  private refer(name: string, where: Where, write = false): void {
    const scope = where.scope.binds(name);
    if (scope !== undefined) {
      if (scope === this.own && name === 'this') this.usesOwnThis = true;
      return;
    }
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.names.push(name);
    }
    if (write) this.assigned.add(name);
  }

  /** A function: its name, parameters and body, each in the right scope. */
  func(node: acorn.Function, where: Where, method: boolean): void {
    let outer = where.scope;
    if (node.type === 'FunctionExpression' && node.id) {
      outer = new Scope(outer);
      outer.names.add(node.id.name);
    }
    const params = new Scope(outer);
    const arrow = node.type === 'ArrowFunctionExpression';
    if (!arrow) for (const name of LEXICAL_NAMES) params.names.add(name);
    this.own ??= params;
    for (const p of node.params) declare(p, params);
    const inner: Where = { scope: params, home: arrow ? where.home : method };
    for (const p of node.params) this.pattern(p, inner, false);
    if (node.body.type === 'BlockStatement') this.body(node.body.body, inner);
    else this.visit(node.body, inner);
  }

  /** A function or static block body: its own scope for hoisted `var`s and its top-level declarations. */
  private body(statements: readonly acorn.Statement[], where: Where): void {
    const scope = new Scope(where.scope);
    for (const s of statements) hoist(s, scope);
    this.block(statements, where, scope);
  }

  /** Statements of a block (or a body, given its scope): lexical declarations first, then the statements. */
  private block(statements: readonly acorn.Statement[], where: Where, scope = new Scope(where.scope)): void {
    for (const s of statements) declareLexical(s, scope);
    const inner: Where = { scope, home: where.home };
    for (const s of statements) this.visit(s, inner);
  }

  private klass(node: acorn.Class, where: Where): void {
    const scope = new Scope(where.scope);
    if (node.id) scope.names.add(node.id.name);
    const inner: Where = { scope, home: where.home };
    if (node.superClass) this.visit(node.superClass, inner);
    for (const member of node.body.body) {
      if (member.type === 'StaticBlock') {
        this.body(member.body, { scope: initialiserScope(scope), home: true });
        continue;
      }
      if (member.computed) this.visit(member.key, inner);
      if (member.type === 'MethodDefinition') this.func(member.value, inner, true);
      else if (member.value) this.visit(member.value, { scope: initialiserScope(scope), home: true });
    }
  }

  /**
   * A pattern: the expressions inside it (computed keys, defaults, member
   * targets) are read; its names are written when it is an assignment's
   * target (`assigns`), and left alone when it declares them.
   */
  private pattern(p: acorn.Pattern, where: Where, assigns: boolean): void {
    switch (p.type) {
      case 'Identifier':
        if (assigns) this.refer(p.name, where, true);
        return;
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') this.pattern(prop.argument, where, assigns);
          else {
            if (prop.computed) this.visit(prop.key, where);
            this.pattern(prop.value, where, assigns);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of p.elements) if (element) this.pattern(element, where, assigns);
        return;
      case 'AssignmentPattern':
        this.pattern(p.left, where, assigns);
        this.visit(p.right, where);
        return;
      case 'RestElement':
        this.pattern(p.argument, where, assigns);
        return;
      case 'MemberExpression':
        this.visit(p, where);
        return;
    }
  }

  private visit(node: acorn.AnyNode, where: Where): void {
    switch (node.type) {
      case 'Identifier':
        this.refer(node.name, where);
        return;
      case 'ThisExpression':
        this.refer('this', where);
        return;
      case 'MetaProperty':
        if (node.meta.name === 'new') this.refer('new.target', where);
        else this.flag('uses import.meta');
        return;
      case 'Super':
        if (!where.home) this.flag('uses super');
        return;
      case 'CallExpression':
        // A direct eval sees the caller's scope, which does not travel.
        if (node.callee.type === 'Identifier' && node.callee.name === 'eval' && !node.optional)
          this.flag('uses eval');
        break;
      case 'ImportExpression':
        // Only a built-in module resolves the same from the worker's module as from the caller's.
        if (
          !(
            node.source.type === 'Literal' &&
            typeof node.source.value === 'string' &&
            isBuiltin(node.source.value)
          )
        )
          this.flag('uses import()');
        break;
      case 'WithStatement':
        this.flag('uses with');
        break;
      case 'ImportDeclaration':
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
      case 'ExportAllDeclaration':
        // Parsed only because the options allow `import.meta` outside a module.
        this.flag('cannot be parsed');
        return;
      case 'MemberExpression':
        this.visit(node.object, where);
        if (node.computed) this.visit(node.property, where);
        return;
      case 'ObjectExpression':
        for (const prop of node.properties) {
          if (prop.type === 'SpreadElement') {
            this.visit(prop.argument, where);
            continue;
          }
          if (prop.computed) this.visit(prop.key, where);
          if (prop.method || prop.kind !== 'init')
            this.func(prop.value as acorn.FunctionExpression, where, true);
          else this.visit(prop.value, where);
        }
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'FunctionDeclaration':
        this.func(node, where, false);
        return;
      case 'ClassExpression':
      case 'ClassDeclaration':
        this.klass(node, where);
        return;
      case 'VariableDeclaration':
        for (const d of node.declarations) {
          this.pattern(d.id, where, false);
          if (d.init) this.visit(d.init, where);
        }
        return;
      case 'BlockStatement':
        this.block(node.body, where);
        return;
      case 'ForStatement': {
        const scope = new Scope(where.scope);
        if (node.init?.type === 'VariableDeclaration') declareLexical(node.init, scope);
        const inner: Where = { scope, home: where.home };
        if (node.init) this.visit(node.init, inner);
        if (node.test) this.visit(node.test, inner);
        if (node.update) this.visit(node.update, inner);
        this.visit(node.body, inner);
        return;
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const scope = new Scope(where.scope);
        const inner: Where = { scope, home: where.home };
        if (node.left.type === 'VariableDeclaration') {
          declareLexical(node.left, scope);
          this.visit(node.left, inner);
        } else this.pattern(node.left, where, true);
        this.visit(node.right, inner);
        this.visit(node.body, inner);
        return;
      }
      case 'CatchClause': {
        const scope = new Scope(where.scope);
        const inner: Where = { scope, home: where.home };
        if (node.param) {
          declare(node.param, scope);
          this.pattern(node.param, inner, false);
        }
        this.visit(node.body, inner);
        return;
      }
      case 'SwitchStatement': {
        this.visit(node.discriminant, where);
        const scope = new Scope(where.scope);
        for (const c of node.cases) for (const s of c.consequent) declareLexical(s, scope);
        const inner: Where = { scope, home: where.home };
        for (const c of node.cases) {
          if (c.test) this.visit(c.test, inner);
          for (const s of c.consequent) this.visit(s, inner);
        }
        return;
      }
      case 'AssignmentExpression':
        this.pattern(node.left, where, true);
        this.visit(node.right, where);
        return;
      case 'UpdateExpression':
        this.pattern(node.argument as acorn.Pattern, where, true);
        return;
    }
    // Everything else holds expressions and statements only: acorn-walk knows their children, in source order.
    const children = (base as Partial<Record<string, Children>>)[node.type];
    if (children === undefined) this.flag('cannot be parsed');
    else children(node, where, (child, w) => this.visit(child, w));
  }
}

/** A class field initialiser's or static block's scope: it binds `this` and `new.target` like a method. */
function initialiserScope(classScope: Scope): Scope {
  const scope = new Scope(classScope);
  scope.names.add('this').add('new.target');
  return scope;
}

/** Declares the names a binding pattern binds. */
function declare(p: acorn.Pattern, scope: Scope): void {
  switch (p.type) {
    case 'Identifier':
      scope.names.add(p.name);
      return;
    case 'ObjectPattern':
      for (const prop of p.properties)
        declare(prop.type === 'RestElement' ? prop.argument : prop.value, scope);
      return;
    case 'ArrayPattern':
      for (const element of p.elements) if (element) declare(element, scope);
      return;
    case 'AssignmentPattern':
      declare(p.left, scope);
      return;
    case 'RestElement':
      declare(p.argument, scope);
      return;
    case 'MemberExpression':
      return;
  }
}

/** Declares a statement's block-scoped names (`let`, `const`, `class`, function declarations) in `scope`. */
function declareLexical(s: acorn.Statement | acorn.ModuleDeclaration, scope: Scope): void {
  if (s.type === 'VariableDeclaration' && s.kind !== 'var')
    for (const d of s.declarations) declare(d.id, scope);
  else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id)
    scope.names.add(s.id.name);
}

/** Declares the `var`s anywhere in a statement, outside nested functions, in `scope`. */
function hoist(s: acorn.Statement | acorn.ModuleDeclaration, scope: Scope): void {
  switch (s.type) {
    case 'VariableDeclaration':
      if (s.kind === 'var') for (const d of s.declarations) declare(d.id, scope);
      return;
    case 'IfStatement':
      hoist(s.consequent, scope);
      if (s.alternate) hoist(s.alternate, scope);
      return;
    case 'ForStatement':
      if (s.init?.type === 'VariableDeclaration') hoist(s.init, scope);
      hoist(s.body, scope);
      return;
    case 'ForInStatement':
    case 'ForOfStatement':
      if (s.left.type === 'VariableDeclaration') hoist(s.left, scope);
      hoist(s.body, scope);
      return;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
    case 'WithStatement':
      hoist(s.body, scope);
      return;
    case 'BlockStatement':
      for (const inner of s.body) hoist(inner, scope);
      return;
    case 'TryStatement':
      hoist(s.block, scope);
      if (s.handler) hoist(s.handler.body, scope);
      if (s.finalizer) hoist(s.finalizer, scope);
      return;
    case 'SwitchStatement':
      for (const c of s.cases) for (const inner of c.consequent) hoist(inner, scope);
      return;
  }
}
