package io.deeploy.project.rest;

import static io.restassured.RestAssured.given;

import io.deeploy.outbox.testing.ApiContract;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The API project-svc serves is the one recorded in docs/openapi/project-svc.json, against which the services that call it
 * check their calls (their ServiceApisContractTest): a change is recorded on purpose, with -Ddeeploy.openapi.record=true.
 */
@QuarkusTest
class OpenApiRecordedIT {

    @Test
    void theServedApiIsTheRecordedOne() {
        String served = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        ApiContract.requireServedIsRecorded("project-svc", served);
    }
}
