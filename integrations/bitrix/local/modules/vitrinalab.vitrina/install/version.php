<?php

$arModuleVersion = [
    'VERSION' => '2.1.0',
    'VERSION_DATE' => '2026-12-07 00:00:00',
];
