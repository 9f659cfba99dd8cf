// The official openai npm package against LlmRouter's OpenAI-compatible endpoint, as a Node service would use it.
// Prints one JSON object with what it saw; NodeClientTests starts the gateway, runs this script and checks the result.
import OpenAI from "openai";

const baseURL = process.env.GATEWAY_BASE_URL;
const client = new OpenAI({ baseURL, apiKey: process.env.GATEWAY_API_KEY, maxRetries: 0 });

const { data: completion, response } = await client.chat.completions
  .create({ model: "fast", messages: [{ role: "user", content: "Hi" }], temperature: 0.2 })
  .withResponse();

let streamed = "";
let usage = null;
let finish = null;
let router = null;
const stream = await client.chat.completions.create({
  model: "fast",
  messages: [{ role: "user", content: "Hi" }],
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? "";
  finish = chunk.choices[0]?.finish_reason ?? finish;
  usage = chunk.usage ?? usage;
  router = chunk.llmrouter ?? router;
}

let unauthorized = null;
try {
  await new OpenAI({ baseURL, apiKey: "sk-wrong", maxRetries: 0 }).chat.completions.create({ model: "fast", messages: [{ role: "user", content: "Hi" }] });
} catch (error) {
  unauthorized = { status: error.status, code: error.code ?? error.error?.code ?? null };
}

const models = [];
for await (const model of client.models.list()) {
  models.push(model.id);
}

console.log(JSON.stringify({
  text: completion.choices[0].message.content,
  deployment: response.headers.get("x-llmrouter-deployment"),
  llmrouter: completion.llmrouter ?? null,
  streamed,
  finish,
  usage,
  streamRouter: router,
  unauthorized,
  models,
}));
