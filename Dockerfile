# One image for every entry point of persona-operator: the controller (`persona operator`),
# the trainer (`persona train`), the drift checker (`persona drift`), the predictor
# (`persona serve`) and the CLI. One image keeps the training Job, the drift Job and the
# predictor on exactly the code the operator was released with, and it is small because
# the predictor needs almost all of the same dependencies anyway.
ARG NODE_IMAGE=docker.io/library/node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json ./
COPY cli/package.json cli/package.json
COPY core/package.json core/package.json
COPY jobs/package.json jobs/package.json
COPY registry/package.json registry/package.json
COPY operator/package.json operator/package.json
COPY predictor/package.json predictor/package.json
# Networks that intercept TLS: pass your CA bundle as the build secret `npm_ca`
# (`--secret id=npm_ca,src=ca.crt`); it is used for this step only and not kept in a layer.
RUN --mount=type=secret,id=npm_ca,required=false \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --no-audit --no-fund --ignore-scripts \
 && mkdir -p /prod && cp package.json package-lock.json /prod/ \
 && cp -r --parents cli/package.json core/package.json registry/package.json jobs/package.json operator/package.json predictor/package.json /prod/ \
 && cd /prod && npm ci --no-audit --no-fund --ignore-scripts --omit=dev && npm cache clean --force
COPY cli cli
COPY core core
COPY registry registry
COPY jobs jobs
COPY operator operator
COPY predictor predictor
COPY scripts/bundle.mjs scripts/bundle.mjs
# Bundle our TypeScript into plain ESM so the runtime needs no compiler and no write access.
RUN node scripts/bundle.mjs dist

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Production dependencies only: everything the bundle leaves external.
COPY --from=build /prod/node_modules node_modules
COPY --from=build /src/dist dist
COPY --from=build /src/registry/migrations registry/migrations
COPY --from=build /src/package.json package.json
# A numeric non-root user so `runAsNonRoot` can be verified by the kubelet.
USER 65532:65532
ENTRYPOINT ["node", "--enable-source-maps", "/app/dist/persona.mjs"]
CMD ["--help"]
