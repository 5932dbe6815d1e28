# The govflow worker and CLI. TypeScript runs through tsx, so the image needs no build stage.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A bounded heap keeps a worker's memory flat under bulk ingest (see bench/README.md).
ENV NODE_OPTIONS=--max-old-space-size=256
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY cli ./cli
COPY worker ./worker
COPY lambda ./lambda
COPY workflows ./workflows
COPY workflow-safe ./workflow-safe
COPY activities ./activities
COPY temporal ./temporal
COPY ingest ./ingest
COPY audit ./audit
COPY consent ./consent
COPY masking ./masking
COPY policy ./policy
COPY config ./config
COPY reporting ./reporting
COPY lifecycle ./lifecycle
COPY db ./db
COPY observability ./observability
COPY migrations ./migrations
COPY templates ./templates
COPY examples ./examples
COPY govflow.yaml policy.yaml ./
RUN apt-get update && apt-get install -y --no-install-recommends procps && rm -rf /var/lib/apt/lists/*
USER node
CMD ["node", "bin/govflow.mjs", "worker"]
