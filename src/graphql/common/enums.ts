/** A GraphQL enum object for type-graphql's registerEnumType, from a list of values the domain already defines. */
export const enumOf = <T extends readonly string[]>(values: T) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T[number]]: K };
