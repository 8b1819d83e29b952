/**
 * Prints the OpenAPI 3.1 document of the 36 operations as JSON on stdout.
 */
import * as OpenApiDocument from "../src/OpenApiDocument.ts"

process.stdout.write(`${JSON.stringify(OpenApiDocument.make(), null, 2)}\n`)
