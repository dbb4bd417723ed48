import { GraphQLScalarType, Kind } from 'graphql';

const DECIMAL = /^-?\d{1,14}(\.\d{1,4})?$/;

/**
 * Money and quantities as exact decimal strings ("12.50"), never binary floating point. Postgres numeric values
 * arrive as strings and leave as strings.
 */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "1234.5000" (up to 14 integer and 4 fraction digits).',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== 'string' || !DECIMAL.test(value)) {
      throw new TypeError('Decimal must be a string like "12.50" (up to 4 decimal places)');
    }
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !DECIMAL.test(ast.value)) {
      throw new TypeError('Decimal must be a string like "12.50" (up to 4 decimal places)');
    }
    return ast.value;
  },
});
